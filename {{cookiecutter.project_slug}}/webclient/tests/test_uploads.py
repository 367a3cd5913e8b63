"""Files chosen together in the web client: they upload a few at a time, as the server takes
them from one user, and all go with the message."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from webclient.tests.browsing import attach, message, open_room, send, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILES = 5


def test_files_chosen_together_all_upload_and_go_with_the_message(
    new_context, page_problems, room, user, password
):
    alice = new_context().new_page()
    sign_in(alice, "alice", password)
    open_room(alice, room.name or "bob")
    attach(
        alice,
        *(
            {"name": f"notes-{n}.txt", "mimeType": "text/plain", "buffer": f"note {n}".encode()}
            for n in range(FILES)
        ),
    )
    uploads = alice.locator("#uploads").get_by_role("listitem")
    expect(uploads.filter(has_text="ready")).to_have_count(FILES)
    send(alice, "All my notes")
    for n in range(FILES):
        download = message(alice, "All my notes").get_by_role(
            "button", name=f"Download notes-{n}.txt"
        )
        expect(download).to_be_visible()
    # A file pasted into the message (a screenshot, say) or dropped on the composer goes too.
    alice.evaluate(
        """() => {
          const file = (name) => {
            const files = new DataTransfer();
            files.items.add(new File([name], name, { type: "text/plain" }));
            return files;
          };
          const text = document.getElementById("composer-text");
          text.dispatchEvent(new ClipboardEvent("paste", { clipboardData: file("pasted.txt") }));
          const drop = new DragEvent("drop", { dataTransfer: file("dropped.txt"), bubbles: true });
          text.dispatchEvent(drop);
        }"""
    )
    expect(uploads.filter(has_text="ready")).to_have_count(2)
    send(alice, "Pasted and dropped")
    for name in ("pasted.txt", "dropped.txt"):
        download = message(alice, "Pasted and dropped").get_by_role(
            "button", name=f"Download {name}"
        )
        expect(download).to_be_visible()
    # Its caption may go: the files stay, without a word.
    message(alice, "All my notes").get_by_role("button", name="Edit").click()
    alice.get_by_label("New text").fill("")
    alice.get_by_role("button", name="Save").click()
    captionless = alice.locator("li.message").filter(
        has=alice.get_by_role("button", name="Download notes-0.txt")
    )
    expect(captionless).to_contain_text("(edited)")
    expect(message(alice, "All my notes")).to_have_count(0)
    # More than a message carries is said before sending, and nothing goes.
    too_many = settings.ATTACHMENTS_MAX_PER_MESSAGE + 1
    attach(
        alice,
        *(
            {"name": f"more-{n}.txt", "mimeType": "text/plain", "buffer": b"x"}
            for n in range(too_many)
        ),
    )
    expect(uploads.filter(has_text="ready")).to_have_count(too_many)
    send(alice, "Too many")
    expect(
        alice.get_by_text(f"at most {settings.ATTACHMENTS_MAX_PER_MESSAGE} files")
    ).to_be_visible()
    expect(message(alice, "Too many")).to_have_count(0)
    page_problems.assert_none()
