"""Brute-force limits: django-axes' login lockout policy, and the client address it and SCIM share.

django-axes counts failed sign-ins (portal and Django admin) in the shared cache, keyed by
account + address and by address alone (``AXES_LOCKOUT_PARAMETERS``); the functions here
are the settings it calls back: whose sign-in it is, which address it comes from, when
to lock, and the page a locked-out person sees.
"""

import ipaddress
from datetime import timedelta

from axes.helpers import get_cache, get_client_cache_keys, get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timeuntil


def _valid_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The address the request came from: REMOTE_ADDR, or X-Forwarded-For behind trusted proxies.

    With ``TRUSTED_PROXY_COUNT`` = N (the proxies in front of the app, each appending the
    address it received from), the client is the N-th entry from the right; entries further
    left are whatever the client chose to send and are never trusted.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            address = _valid_address(forwarded[-count])
            if address:
                return address
    return _valid_address(remote) or "unknown"


def login_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account a sign-in is for, case-folded as the portal's form folds it, so ``Alice@`` counts as ``alice@``."""
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get("username") if source else None
    return username.strip().lower() if isinstance(username, str) else None


def login_failure_limit(request: HttpRequest, credentials: dict | None) -> int:
    """Lock at LOGIN_FAILURE_LIMIT failures for one account from one address, or LOGIN_ADDRESS_FAILURE_LIMIT per address.

    axes compares the larger of its two counters (account + address, address alone) with one
    limit. The address counter is never below the other, so answering the account limit once
    that pair is spent, and the address limit otherwise, locks on whichever is reached first.
    """
    pair_key = get_client_cache_keys(request, credentials)[0]
    if (get_cache().get(pair_key) or 0) >= settings.LOGIN_FAILURE_LIMIT:
        return settings.LOGIN_FAILURE_LIMIT
    return settings.LOGIN_ADDRESS_FAILURE_LIMIT


def locked_out(request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None) -> HttpResponse:
    """The sign-in page's answer while locked: how long to wait, as 429 with Retry-After."""
    cool_off = get_cool_off(request) or timedelta(0)
    now = timezone.now()
    response = render(
        request,
        "registration/locked_out.html",
        {"wait": timeuntil(now + cool_off, now), "sign_in_url": request.path},
        status=429,
    )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
