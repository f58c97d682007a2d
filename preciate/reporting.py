"""Error reports (debug pages, admin emails) that never show a bearer key."""

import re

from django.views.debug import SafeExceptionReporterFilter


class SecretsFilter(SafeExceptionReporterFilter):
    # Django's default hides settings and META named like API|TOKEN|KEY|SECRET|PASS|SIGNATURE;
    # the SCIM bearer key travels in HTTP_AUTHORIZATION, which that pattern misses.
    hidden_settings = re.compile("API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|AUTHORIZATION", flags=re.IGNORECASE)
