"""Session mode: CSRF-protected login and logout; the session cookie opens the socket, which
closes when the session logs out or expires."""

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.session_store import SessionStore
from accounts.tests.live_sockets import logout_closes_only_that_logins_socket
from chat.realtime.frames import CLOSE_UNAUTHENTICATED


@pytest.fixture
def browser() -> APIClient:
    """A client that, like a browser, must present the CSRF token on unsafe requests."""
    return APIClient(enforce_csrf_checks=True)


def csrf_token(client: APIClient) -> str:
    response = client.get("/api/auth/csrf/")
    assert response.status_code == 200
    assert response.data["csrfToken"]
    return client.cookies[settings.CSRF_COOKIE_NAME].value


@pytest.mark.django_db
def test_login_me_logout(browser, user, password):
    token = csrf_token(browser)
    response = browser.post(
        "/api/auth/login/",
        {"username": user.username, "password": password},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200
    assert response.data["username"] == user.username
    assert settings.SESSION_COOKIE_NAME in browser.cookies

    assert browser.get("/api/auth/me/").data["id"] == user.pk

    token = browser.cookies[settings.CSRF_COOKIE_NAME].value  # rotated at login
    assert browser.post("/api/auth/logout/", HTTP_X_CSRFTOKEN=token).status_code == 204
    # No session: sign in again (401), which a client tells from "not allowed" (403).
    signed_out = browser.get("/api/auth/me/")
    assert (signed_out.status_code, signed_out["WWW-Authenticate"]) == (401, "Session")


@pytest.mark.django_db
def test_login_without_csrf_token_is_refused(browser, user, password):
    csrf_token(browser)
    response = browser.post(
        "/api/auth/login/", {"username": user.username, "password": password}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.data["detail"]


@pytest.mark.django_db
def test_logout_without_csrf_token_is_refused(browser, user):
    browser.force_login(user)
    assert browser.post("/api/auth/logout/").status_code == 403
    assert browser.get("/api/auth/me/").status_code == 200


@pytest.mark.django_db
def test_login_with_a_wrong_password_is_refused(browser, user):
    token = csrf_token(browser)
    response = browser.post(
        "/api/auth/login/",
        {"username": user.username, "password": "wrong"},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 400
    assert response.data["non_field_errors"]


@pytest.mark.django_db(transaction=True)
async def test_socket_with_a_bad_or_ended_session_is_closed_4401(connect_socket):
    cookie = [("cookie", f"{settings.SESSION_COOKIE_NAME}=no-such-session")]
    communicator, _ = await connect_socket(cookie)
    assert await communicator.receive_output() == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
    }


@pytest.mark.django_db(transaction=True)
async def test_auth_refresh_is_not_used_with_sessions(connect_socket, user, ws_credentials):
    communicator, _ = await connect_socket(await ws_credentials(user))
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "auth.refresh", "token": "anything"})
    error = await communicator.receive_json_from()
    assert (error["type"], error["code"]) == ("error", "invalid")


@pytest.mark.django_db(transaction=True)
async def test_logout_closes_the_sockets_of_that_session_only(
    live_server_host, user, password, http_session
):
    await logout_closes_only_that_logins_socket(live_server_host, user, password, http_session)


@pytest.mark.django_db(transaction=True)
async def test_socket_closes_4401_when_its_session_expires(
    connect_socket, user, ws_credentials, manual_clock
):
    communicator, _ = await connect_socket(await ws_credentials(user))
    assert (await communicator.receive_json_from())["type"] == "session.ready"

    manual_clock.advance(settings.SESSION_COOKIE_AGE - 60)
    await communicator.send_to(text_data="{}")
    assert (await communicator.receive_json_from())["type"] == "error"
    manual_clock.advance(120)
    assert await communicator.receive_output(timeout=10) == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
    }


def api_login(browser: APIClient, username: str, password: str) -> str:
    """Log in through the API, as the web client does; returns the session's key."""
    token = csrf_token(browser)
    answer = browser.post(
        "/api/auth/login/",
        {"username": username, "password": password},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert answer.status_code == 200
    return browser.cookies[settings.SESSION_COOKIE_NAME].value


def admin_login(browser: APIClient, username: str, password: str) -> None:
    """Log in through the admin's own form, in the same browser."""
    token = csrf_token(browser)
    form = {"username": username, "password": password, "csrfmiddlewaretoken": token}
    answer = browser.post("/admin/login/?next=/admin/", form)
    assert (answer.status_code, answer.headers.get("Location")) == (302, "/admin/"), answer


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second_login", [api_login, admin_login], ids=["api", "admin"])
async def test_signing_in_as_another_user_closes_the_sockets_of_the_session_it_replaces(
    browser, connect_socket, user, bob, password, second_login
):
    """Django's login() drops the session of the user it replaces without a logout signal:
    that user's sockets, in this browser's other tabs, must not go on as them."""
    bob.is_staff = True
    await bob.asave(update_fields=["is_staff"])
    alices_session = await sync_to_async(api_login)(browser, user.username, password)
    cookie = [("cookie", f"{settings.SESSION_COOKIE_NAME}={alices_session}")]
    alices_tab, _ = await connect_socket(cookie)
    assert (await alices_tab.receive_json_from())["type"] == "session.ready"

    await sync_to_async(second_login)(browser, bob.username, password)
    assert await alices_tab.receive_output(timeout=10) == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
    }


@pytest.mark.django_db
def test_a_forms_csrf_token_is_no_field_the_api_refuses(browser, user, room):
    """A form (the browsable API's, say) sends its CSRF token as a field: the message is sent."""
    token = csrf_token(browser)
    browser.force_login(user)
    form = {"body": "From a form", "client_id": "form-1", "csrfmiddlewaretoken": token}
    sent = browser.post(f"/api/rooms/{room.pk}/messages/", form)
    assert (sent.status_code, sent.data["body"]) == (201, "From a form")


@pytest.mark.django_db
def test_clearsessions_deletes_the_expired_sessions_in_one_statement(user):
    """Not row by row, each loaded and signalled: a busy site has millions."""
    for expiry in (-60, -30, 3600):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session.set_expiry(expiry)
        session.save()
    with CaptureQueriesContext(connection) as statements:
        call_command("clearsessions")
    assert len(statements) == 1, [statement["sql"] for statement in statements]
    assert Session.objects.count() == 1
