from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from rest_framework import serializers

from core.request_fields import TakesOnlyItsFields
from core.serializer_fields import StrictCharField
from users.avatars import reencode
from users.models import same_username
from users.profile import clean_display_name, remove_avatar, set_avatar
from users.serializers import UserRefSerializer

User = get_user_model()
# What the uniqueness check of the username field says (Django's AbstractUser).
USERNAME_TAKEN = User._meta.get_field("username").error_messages["unique"]
DISPLAYED_AS_ANOTHER = "Another user is shown by that name: choose one that nobody goes by."


def password_field() -> serializers.CharField:
    """A password, refused (400) past PASSWORD_MAX_LENGTH before anything hashes it."""
    return StrictCharField(
        write_only=True, max_length=settings.PASSWORD_MAX_LENGTH, style={"input_type": "password"}
    )


def login_username_field() -> serializers.CharField:
    # No longer than a username can be: the lookup then never sees an oversized one.
    return StrictCharField(max_length=User._meta.get_field(User.USERNAME_FIELD).max_length)


class RegisterSerializer(TakesOnlyItsFields, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
    }
    password = password_field()

    class Meta:
        model = User
        fields = ["id", "username", "email", "password"]
        read_only_fields = ["id"]

    def to_internal_value(self, data):
        # As create_user() will store it (NFKC), so that the uniqueness check sees that name:
        # "alice" in fullwidth letters is "alice", and is taken if alice is.
        if isinstance(data, dict) and isinstance(data.get("username"), str):
            data = {**data, "username": User.normalize_username(data["username"])}
        return super().to_internal_value(data)

    def validate_username(self, value):
        if User.objects.filter(same_username(value)).exists():
            raise serializers.ValidationError(USERNAME_TAKEN)
        # The other way round from the display name's check (users/profile.py): a newcomer
        # named after someone's display name would be shown as that someone is.
        if User.objects.filter(display_name__iexact=value).exists():
            raise serializers.ValidationError(DISPLAYED_AS_ANOTHER)
        return value

    def validate(self, attrs):
        # The validators compare the password with the other fields, so give them the whole user.
        candidate = User(username=attrs["username"], email=attrs.get("email", ""))
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": list(error.messages)}) from error
        return attrs

    def create(self, validated_data):
        try:
            with transaction.atomic():
                return User.objects.create_user(**validated_data)
        except IntegrityError:
            # Taken since it was checked: another registration of that name won the race.
            if User.objects.filter(same_username(validated_data["username"])).exists():
                raise serializers.ValidationError({"username": [USERNAME_TAKEN]}) from None
            raise


class LoginSerializer(TakesOnlyItsFields, serializers.Serializer):
    username = login_username_field()
    password = password_field()

    def validate(self, attrs):
        user = authenticate(
            request=self.context.get("request"),
            username=attrs["username"],
            password=attrs["password"],
        )
        if user is None:
            raise serializers.ValidationError(
                "Unable to log in with the credentials given.", code="authorization"
            )
        attrs["user"] = user
        return attrs


class UserSerializer(UserRefSerializer):
    """You, as GET /api/auth/me/ shows you: what others see, and your email address."""

    # "" for an account registered without one: the schema says an address or nothing.
    email = serializers.EmailField(read_only=True, allow_blank=True)


class ProfileSerializer(serializers.Serializer):
    """PATCH /api/auth/me/: either field, or both; the avatar as a multipart file upload."""

    display_name = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=User._meta.get_field("display_name").max_length,
        help_text="Shown instead of the username; empty: the username is shown.",
    )
    avatar = serializers.FileField(
        required=False,
        allow_null=True,
        allow_empty_file=False,
        help_text="A JPEG, PNG, GIF or WebP image, stored as a square; null (or empty in a "
        "form) removes the avatar.",
    )

    def validate(self, attrs: dict) -> dict:
        # A field the profile has not is refused, not ignored: {"password": ...} answered 200
        # and changed nothing, and its sender believed it had.
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            hint = (
                " The password changes with POST /api/auth/password/."
                if "password" in unknown
                else ""
            )
            raise serializers.ValidationError(
                {
                    field: [f"Not a field of the profile (display_name, avatar).{hint}"]
                    for field in unknown
                }
            )
        return attrs

    def validate_display_name(self, value: str) -> str:
        try:
            return clean_display_name(value, self.instance)
        except DjangoValidationError as error:
            raise serializers.ValidationError(list(error.messages)) from error

    def validate_avatar(self, upload):
        if upload is None:
            return None
        try:
            return reencode(upload)
        except DjangoValidationError as error:
            raise serializers.ValidationError(list(error.messages)) from error

    def update(self, user, validated_data):
        with transaction.atomic():  # both changes, or neither
            if "display_name" in validated_data:
                user.display_name = validated_data["display_name"]
                user.save(update_fields=["display_name"])
            if "avatar" in validated_data:
                if validated_data["avatar"] is None:
                    remove_avatar(user)
                else:
                    set_avatar(user, validated_data["avatar"])
        return user


class AccountDeletionSerializer(TakesOnlyItsFields, serializers.Serializer):
    """DELETE /api/auth/me/: the account's password, so that a device left signed in, or a
    stolen session or token, cannot delete the account."""

    password = password_field()

    def validate_password(self, value: str) -> str:
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError("The password is not correct.")
        return value


class PasswordChangeSerializer(TakesOnlyItsFields, serializers.Serializer):
    """POST /api/auth/password/: the password in use, so that a device left signed in, or a
    stolen session or token, cannot change it, and the new one, as registration checks it."""

    current_password = password_field()
    new_password = password_field()

    def validate_current_password(self, value: str) -> str:
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError("The password is not correct.")
        return value

    def validate_new_password(self, value: str) -> str:
        try:
            validate_password(value, user=self.context["request"].user)
        except DjangoValidationError as error:
            raise serializers.ValidationError(list(error.messages)) from error
        return value
