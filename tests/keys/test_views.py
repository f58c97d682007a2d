import logging
import re

import pytest
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.test import Client

from keys import services
from keys.models import ScimKey
from organizations import services as organization_services
from organizations.models import Event
from organizations.services import Actor

PAGE = "/web/admin/keys"
GENERATE = "/web/admin/keys/generate"
REVOKE = "/web/admin/keys/revoke"
KEY = re.compile(r"prc_[A-Za-z0-9_-]{43}")


def shown_key(response: HttpResponse) -> str:
    keys = set(KEY.findall(response.content.decode()))
    assert len(keys) == 1, keys
    return keys.pop()


def test_it_shows_the_tenant_url_and_that_there_is_no_key_yet(admin_client):
    response = admin_client.get(PAGE)
    assert response.status_code == 200
    assert b"Active Directory Integration Secret Key" in response.content
    assert b'value="http://testserver/api/v1/scim"' in response.content
    assert b"No key yet" in response.content
    assert b"How to connect Entra" in response.content


def test_it_shows_the_configured_tenant_url(admin_client, settings):
    settings.SCIM_BASE_URL = "https://people.preciate.example/api/v1/scim"
    response = admin_client.get(PAGE)
    assert b'value="https://people.preciate.example/api/v1/scim"' in response.content


def test_generating_the_first_key_shows_it_once(admin_client, org):
    response = admin_client.post(GENERATE)
    assert response.status_code == 200
    key = shown_key(response)
    assert "no-store" in response["Cache-Control"]
    assert b"Secret Token" in response.content
    assert b"Test Connection" in response.content
    assert services.organization_for_key(key) == org

    again = admin_client.get(PAGE)
    assert key.encode() not in again.content
    assert not KEY.search(again.content.decode())
    assert f"prc_…{key[-4:]}".encode() in again.content


def stored_messages(client: Client) -> list[str]:
    """The messages waiting for the next page, decoded as Django reads them (cookie, then session).

    The messages cookie is signed and compressed, so a key inside it never shows in the raw
    cookie text: only reading it back through the message storage can tell.
    """
    request = HttpRequest()
    request.COOKIES = {name: morsel.value for name, morsel in client.cookies.items()}
    request.session = client.session
    return [message.message for message in default_storage(request)]


def test_the_key_is_kept_neither_in_the_session_nor_in_messages(admin_client):
    key = shown_key(admin_client.post(GENERATE))
    after_generate = stored_messages(admin_client)
    admin_client.post(REVOKE, {"confirm": "yes"})

    assert after_generate == []
    # What revoking leaves for the next page reads back in full, so a key in a message would show.
    assert stored_messages(admin_client) == [
        f"Key …{key[-4:]} revoked. Entra's requests are refused until you generate a new key and paste it in."
    ]
    assert key not in str(dict(admin_client.session.items()))


def test_the_page_says_who_issued_the_key_and_how_the_last_request_went(admin_client, admin, org):
    admin_client.post(GENERATE)
    organization = ScimKey.objects.select_related("organization").get(organization=org).organization
    services.record_key_use(organization, status=401)
    response = admin_client.get(PAGE)
    status = response.content.decode()
    assert admin.user.username in status
    assert "Rejected: wrong or replaced key (401)" in status


def test_regenerating_asks_first_and_changes_nothing_until_confirmed(admin_client, org):
    key = shown_key(admin_client.post(GENERATE))
    response = admin_client.post(GENERATE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "stops working the moment you confirm" in page
    assert "Secret Token" in page
    assert "quarantine" in page
    assert "Restart provisioning" in page
    assert not KEY.search(page)
    assert services.organization_for_key(key) == org


def test_confirmed_regenerate_kills_the_old_key_at_once(admin_client, org):
    old = shown_key(admin_client.post(GENERATE))
    new = shown_key(admin_client.post(GENERATE, {"confirm": "yes"}))
    assert new != old
    assert services.organization_for_key(old) is None
    assert services.organization_for_key(new) == org
    assert Event.objects.filter(organization=org, action="key.generated").count() == 2


def test_revoking_asks_first_then_kills_the_key(admin_client, org):
    key = shown_key(admin_client.post(GENERATE))
    response = admin_client.post(REVOKE)
    assert b"Revoke the secret key?" in response.content
    assert services.organization_for_key(key) == org

    response = admin_client.post(REVOKE, {"confirm": "yes"}, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    assert services.organization_for_key(key) is None
    assert f"Key …{key[-4:]} revoked".encode() in response.content
    assert b"Revoked" in response.content


def test_revoking_without_a_key_says_there_is_none(admin_client):
    response = admin_client.post(REVOKE, {"confirm": "yes"}, follow=True)
    assert b"There is no key to revoke." in response.content


def test_generate_and_revoke_only_answer_posts(admin_client):
    assert admin_client.get(GENERATE).status_code == 405
    assert admin_client.get(REVOKE).status_code == 405


def test_an_admin_of_another_organization_sees_and_changes_only_their_own(
    admin_client, other_admin_client, org, other_org
):
    ours = shown_key(admin_client.post(GENERATE))
    response = other_admin_client.get(PAGE)
    assert f"…{ours[-4:]}".encode() not in response.content
    assert b"No key yet" in response.content

    theirs = shown_key(other_admin_client.post(GENERATE))
    other_admin_client.post(REVOKE, {"confirm": "yes"})
    assert services.organization_for_key(ours) == org
    assert services.organization_for_key(theirs) is None
    assert not Event.objects.filter(organization=org, action="key.revoked").exists()


@pytest.mark.parametrize("method,path", [("get", PAGE), ("post", GENERATE), ("post", REVOKE)])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, org, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/web/login?next=")
    assert not ScimKey.objects.exists()


def test_a_removed_admin_is_signed_out_and_cannot_generate(admin_client, admin):
    organization_services.remove_member(admin, by=Actor.command("tests"))
    response = admin_client.post(GENERATE)
    assert response.status_code == 302
    assert response["Location"].startswith("/web/login")
    assert "_auth_user_id" not in admin_client.session
    assert not ScimKey.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin.user)
    assert client.post(GENERATE).status_code == 403
    assert not ScimKey.objects.exists()


def test_a_post_with_the_csrf_token_goes_through(admin, org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin.user)
    page = client.get(PAGE).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(GENERATE, {"csrfmiddlewaretoken": token})
    assert services.organization_for_key(shown_key(response)) == org


def test_the_key_never_reaches_the_logs(admin_client, caplog):
    with caplog.at_level(logging.DEBUG):
        key = shown_key(admin_client.post(GENERATE))
        admin_client.post(GENERATE, {"confirm": "yes"})
    assert key not in caplog.text


def test_the_integrations_tab_is_current(admin_client):
    response = admin_client.get(PAGE)
    assert b'href="/web/admin/keys" aria-current="page"' in response.content
