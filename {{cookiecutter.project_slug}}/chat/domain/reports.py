"""Members report messages; a room's owner and admins read the reports of their room, staff
read all of them in the admin."""

from django.db import IntegrityError, transaction

from ..models import Report
from .access import membership_for
from .errors import Forbidden, Invalid
from .memberships import tell_moderators
from .messages import readable_message
from .validation import clean_text


def clean_reason(reason) -> str:
    reason = clean_text("" if reason is None else reason, "reason").strip()
    if len(reason) > Report._meta.get_field("reason").max_length:
        raise Invalid("reason is too long.", "reason")
    return reason


def report_message(user, message_id, reason) -> tuple[Report, bool]:
    """Report a message of one of your rooms, once; a second report is the first. Returns
    (report, created)."""
    reason = clean_reason(reason)
    message = readable_message(user, message_id)
    if message.sender_id == user.pk:
        raise Invalid("You cannot report your own message.", "message")
    if message.deleted is not None:
        # Its text is gone: a report would show the moderators nothing to judge.
        raise Invalid("This message was deleted.", "message")
    try:
        with transaction.atomic():
            report = Report.objects.create(
                message=message, reporter=user, reason=reason, reported_body=message.body
            )
            tell_moderators(message.room_id)
            return report, True
    except IntegrityError:
        return Report.objects.get(message=message, reporter=user), False


def own_reports(user, message_id) -> list[Report]:
    """The user's report of a message of one of their rooms, in a list: none, or the one."""
    message = readable_message(user, message_id)
    return list(Report.objects.filter(message=message, reporter=user))


def room_reports(user, room_id):
    """The room's open reports, newest first: for its owner and admins, of the messages they
    may read (an admin who joined a room that hides its history sees none from before)."""
    membership = membership_for(user, room_id)
    if not membership.moderates:
        raise Forbidden("Only the room's owner or admins can do this.")
    return (
        Report.objects.filter(
            message__room_id=room_id,
            message_id__gt=membership.history_from,
            resolved__isnull=True,
        )
        .select_related("message__sender", "reporter")
        .order_by("-id")
    )
