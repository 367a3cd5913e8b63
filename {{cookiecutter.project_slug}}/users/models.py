from django.contrib.auth.models import AbstractUser
from django.db import models

from .validators import validate_display_name

# The path avatars are served under (users/urls.py): a user_ref is built for every message
# sent, so its avatar URL is formatted from this rather than reversed each time.
AVATAR_PATH = "/api/users/{user_id}/avatar/{name}"


def avatar_url(user_id: int, stored_name: str) -> str | None:
    """The URL of an avatar stored as `stored_name` (None: no avatar).

    The file's name is new at every upload (users/avatars.py), so the URL changes with the
    image and clients may cache it for good.
    """
    if not stored_name:
        return None
    return AVATAR_PATH.format(user_id=user_id, name=stored_name.rsplit("/", 1)[-1])


class User(AbstractUser):
    """The project's user, in place from the first migration so fields can be added later.

    https://docs.djangoproject.com/en/5.2/topics/auth/customizing/#using-a-custom-user-model-when-starting-a-project
    """

    # Shown instead of the username when set; the username stays what one logs in with.
    display_name = models.CharField(max_length=64, blank=True, validators=[validate_display_name])
    # A square image re-encoded by users/avatars.py, never the file as uploaded.
    avatar = models.ImageField(upload_to="avatars/", blank=True, max_length=200)
    # Raised when the user's credentials end (a password change, a deactivation): a credential
    # that carries the version it was issued under (a JWT) is refused once it is older.
    credentials_version = models.PositiveIntegerField(default=0, editable=False)

    @property
    def avatar_url(self) -> str | None:
        return avatar_url(self.pk, self.avatar.name)
