from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils.crypto import salted_hmac

from .validators import validate_display_name, validate_username_in_one_script

# The path avatars are served under (users/urls.py): a user_ref is built for every message
# sent, so its avatar URL is formatted from this rather than reversed each time.
AVATAR_PATH = "/api/users/{user_id}/avatar/{name}"
SESSION_AUTH_SALT = "users.User.get_session_auth_hash"
# The fields of a user that others see (a user ref: chat/domain/events.py user_ref).
SEEN_FIELDS = ("username", "display_name", "avatar")


def avatar_url(user_id: int, stored_name: str) -> str | None:
    """The URL of an avatar stored as `stored_name` (None: no avatar).

    The file's name is new at every upload (users/avatars.py), so the URL changes with the
    image and clients may cache it for good.
    """
    if not stored_name:
        return None
    return AVATAR_PATH.format(user_id=user_id, name=stored_name.rsplit("/", 1)[-1])


def same_username(name: str) -> Exact:
    """The condition that a user's username is `name` in any case, as usernames are stored
    (NFKC): a lookup in the index of the constraint below. The database folds both sides, so
    the check and the constraint agree (SQLite folds ASCII letters only)."""
    return Exact(Lower("username"), Lower(models.Value(AbstractBaseUser.normalize_username(name))))


class CaseInsensitiveUserManager(UserManager):
    def get_by_natural_key(self, username):
        # How every login finds its user (ModelBackend): "Alice" and "alice" are one account.
        return self.get(same_username(username))


class User(AbstractUser):
    """The project's user, in place from the first migration so fields can be added later.

    https://docs.djangoproject.com/en/5.2/topics/auth/customizing/#using-a-custom-user-model-when-starting-a-project
    """

    username = models.CharField(
        AbstractUser.username.field.verbose_name,
        max_length=150,
        unique=True,
        help_text=AbstractUser.username.field.help_text,
        validators=[AbstractUser.username_validator, validate_username_in_one_script],
        error_messages={"unique": AbstractUser.username.field.error_messages["unique"]},
    )
    # Shown instead of the username when set; the username stays what one logs in with.
    display_name = models.CharField(max_length=64, blank=True, validators=[validate_display_name])
    # A square image re-encoded by users/avatars.py, never the file as uploaded.
    avatar = models.ImageField(upload_to="avatars/", blank=True, max_length=200)
    # Raised when the user's credentials end (a password change, a deactivation, signing out
    # everywhere): a credential that carries the version it was issued under (a JWT, a
    # session's hash) is refused once it is older.
    credentials_version = models.PositiveIntegerField(default=0, editable=False)

    objects = CaseInsensitiveUserManager()

    class Meta(AbstractUser.Meta):
        constraints = [
            # "Alice" beside alice would read as her in every room: one name, in any case.
            models.UniqueConstraint(
                Lower("username"),
                name="users_user_username_any_case",
                violation_error_message=AbstractUser.username.field.error_messages["unique"],
            )
        ]

    @property
    def avatar_url(self) -> str | None:
        return avatar_url(self.pk, self.avatar.name)

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user.seen_as_loaded = user.seen_values()
        return user

    def refresh_from_db(self, using=None, fields=None, from_queryset=None) -> None:
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None or set(SEEN_FIELDS) <= set(fields):
            self.seen_as_loaded = self.seen_values()

    def seen_values(self) -> tuple | None:
        """What others see of the user (SEEN_FIELDS) as this object holds it; None if it holds
        only part of it (a query that deferred some)."""
        if set(SEEN_FIELDS) & self.get_deferred_fields():
            return None
        return (self.username, self.display_name, self.avatar.name)

    def save(self, **kwargs) -> None:
        # A copy loaded before the user's credentials ended and saved whole after (the admin's
        # change form, open meanwhile) would write the old version back, and the ended sessions
        # and tokens would be good again: an existing user's version is written only by name
        # (users/credentials.py).
        whole = kwargs.get("update_fields") is None and not kwargs.get("force_insert")
        if whole and not self._state.adding and self.pk is not None:
            unsaved = {"credentials_version", *self.get_deferred_fields()}
            kwargs["update_fields"] = [
                field.attname
                for field in self._meta.concrete_fields
                if not field.primary_key and field.attname not in unsaved
            ]
        # One transaction with what the save's signals write: a change to what others see is
        # numbered with it (users/profile_numbers.py).
        with transaction.atomic(using=kwargs.get("using")):
            super().save(**kwargs)
        self.seen_as_loaded = self.seen_values()

    # A session holds this hash from its login and is refused once it differs: Django's is of
    # the password alone, so a session outlived every end of the user's credentials but a
    # password change (users/credentials.py).
    def get_session_auth_hash(self) -> str:
        return self.session_auth_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self.session_auth_hash(secret=secret)

    def session_auth_hash(self, secret: str | None) -> str:
        value = f"{self.password}:{self.credentials_version}"
        return salted_hmac(SESSION_AUTH_SALT, value, secret=secret, algorithm="sha256").hexdigest()


class ProfileClock(models.Model):
    """One row: the number of the latest change to what others see of a user. Raised under
    its row's lock, so changes commit in their numbers' order (users/profile_numbers.py)."""

    last = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"profile change {self.last}"


class ProfileChange(models.Model):
    """The latest numbered change to what others see of a user, or the account's deletion: what
    a client back from being away reads (GET /api/users/changed/?after=)."""

    # No foreign key: a deleted account's row outlives it.
    user_id = models.BigIntegerField(primary_key=True)
    number = models.BigIntegerField(unique=True)
    deleted = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"change {self.number}: user {self.user_id}{' deleted' if self.deleted else ''}"
