from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

User = get_user_model()


def password_field() -> serializers.CharField:
    """A password, refused (400) past PASSWORD_MAX_LENGTH before anything hashes it."""
    return serializers.CharField(
        write_only=True, max_length=settings.PASSWORD_MAX_LENGTH, style={"input_type": "password"}
    )


def login_username_field() -> serializers.CharField:
    # No longer than a username can be: the lookup then never sees an oversized one.
    return serializers.CharField(max_length=User._meta.get_field(User.USERNAME_FIELD).max_length)


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email"]
        read_only_fields = fields


class RegisterSerializer(serializers.ModelSerializer):
    password = password_field()

    class Meta:
        model = User
        fields = ["id", "username", "email", "password"]
        read_only_fields = ["id"]

    def validate(self, attrs):
        # The validators compare the password with the other fields, so give them the whole user.
        candidate = User(username=attrs["username"], email=attrs.get("email", ""))
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": list(error.messages)}) from error
        return attrs

    def create(self, validated_data):
        return User.objects.create_user(**validated_data)


class LoginSerializer(serializers.Serializer):
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
