from rest_framework import serializers


class UserRefSerializer(serializers.Serializer):
    """A user as others see them: in messages, member lists, events and the directory.

    chat/domain/events.py user_ref builds the same object for socket events.
    """

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    display_name = serializers.CharField(
        read_only=True, help_text="Shown instead of the username when not empty."
    )
    avatar = serializers.CharField(
        source="avatar_url",
        read_only=True,
        allow_null=True,
        help_text="The avatar's URL (a path on this server, for signed-in users), new at each "
        "upload, so it may be cached for good; null: none.",
    )
