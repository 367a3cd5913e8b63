"""What a person does in the web client, through the accessible names it promises: fields
labelled "Username", "Password" and "Message"; buttons "Sign in", "Sign up", "Send", "New room"
and "Sign out"; each room in the list a link named by the room's name (the other person's name
for a 1-to-1). The other names are the client's own (webclient/templates, webclient/static)."""

import io
import re

from PIL import Image
from playwright.sync_api import expect


def _sign(page, button: str, username: str, password: str) -> None:
    page.goto("/")
    signed_in = page.get_by_role("button", name="Sign out")
    form = page.get_by_role("button", name=button)
    expect(form.or_(signed_in)).to_be_visible()
    if signed_in.is_visible():
        # Another tab of this browser signed in already (a session cookie is shared).
        return
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    form.click()
    expect(signed_in).to_be_visible()
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()


def alice_and_bob(new_context, password: str, room=None):
    """Two people, each in a browser of their own, signed in: (alice's page, bob's page); with
    `room` (the `room` fixture's: a group, or their 1-to-1), open on both."""
    alice, bob = new_context().new_page(), new_context().new_page()
    sign_in(alice, "alice", password)
    sign_in(bob, "bob", password)
    if room is not None:
        open_room(alice, room.name or "bob")
        open_room(bob, room.name or "alice")
    return alice, bob


def another_room(make_room, owner, other, name: str):
    """A room of `owner`'s and `other`'s besides the `room` fixture's: a group named `name`
    (the fixture's is "general"), or their 1-to-1. Its name in `owner`'s list is
    `room.name or other.username`."""
    room = make_room(owner, other)
    if room.kind == "group":
        room.name = name
        room.save(update_fields=["name"])
    return room


def sign_up(page, username: str, password: str) -> None:
    _sign(page, "Sign up", username, password)


def sign_in(page, username: str, password: str) -> None:
    """Sign in, unless this browser already is (in session mode, tabs share the cookie; in the
    token modes, each tab keeps its own credential)."""
    _sign(page, "Sign in", username, password)


def change_password(page, current: str, new: str):
    """Change the password in the profile dialog, left open; the status line of its password
    fieldset (the profile has others), for what it says."""
    page.get_by_role("button", name="Profile").click()
    profile = page.get_by_role("dialog", name="Profile")
    profile.get_by_label("Current password").fill(current)
    profile.get_by_label("New password").fill(new)
    profile.get_by_role("button", name="Change password").click()
    return profile.get_by_role("group", name="Change my password").get_by_role("status")


def room_link(page, name: str):
    return page.get_by_role("navigation", name="Conversations").get_by_role(
        "link", name=name, exact=True
    )


def room_entry(page, name: str):
    """The room's entry in the list: its link, unread badge, presence and last message."""
    return (
        page.get_by_role("navigation", name="Conversations")
        .get_by_role("listitem")
        .filter(has=page.get_by_role("link", name=name, exact=True))
    )


def unread_badge(page, name: str):
    """The room's unread count, which a screen reader reads as "<n> unread"."""
    return room_entry(page, name).get_by_text(re.compile(r"^\d+ unread$"))


def open_room(page, name: str) -> None:
    room_link(page, name).click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    expect(page.get_by_label("Message", exact=True)).to_be_editable()


def send(page, body: str) -> None:
    page.get_by_label("Message", exact=True).fill(body)
    page.get_by_role("button", name="Send", exact=True).click()


def submit_at_once(page, bodies: list[str]) -> None:
    """Send `bodies` from the composer within one turn of the page, as fast as no typist can."""
    page.evaluate(
        """(bodies) => {
          const text = document.getElementById("composer-text");
          for (const body of bodies) {
            text.value = body;
            document.getElementById("composer").requestSubmit();
          }
        }""",
        bodies,
    )


def attach(page, *files: dict) -> None:
    """Choose files for the message being written, as the Attach file button lets a person:
    each {"name", "mimeType", "buffer"}."""
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Attach file").click()
    chooser.value.set_files(files=list(files))


def messages(page):
    """The open conversation's messages, oldest first (messages without attachments: these
    are lists of their own)."""
    return page.get_by_role("list", name="History").get_by_role("listitem")


def message(page, text: str):
    return messages(page).filter(has_text=text)


def png(width: int = 96, height: int = 64) -> bytes:
    """A small PNG picture, drawn here: two colours, so a preview that shows it is visible."""
    picture = Image.new("RGB", (width, height), (40, 120, 200))
    picture.paste((240, 180, 30), (0, 0, width // 2, height // 2))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()
