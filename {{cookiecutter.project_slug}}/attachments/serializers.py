from rest_framework import serializers


class AttachmentSerializer(serializers.Serializer):
    """An attachment as messages and uploads show it (attachments/linking.py payload)."""

    id = serializers.IntegerField()
    name = serializers.CharField(help_text="The uploaded file's name, made safe.")
    content_type = serializers.CharField(help_text="Detected from the content, not the name.")
    size = serializers.IntegerField(help_text="Bytes, as stored (images re-encoded).")
    width = serializers.IntegerField(allow_null=True, help_text="Images only.")
    height = serializers.IntegerField(allow_null=True, help_text="Images only.")
    url = serializers.CharField(help_text="Download path: members of the room only.")
    thumbnail_url = serializers.CharField(
        allow_null=True, help_text="A small WebP of an image; null for other files."
    )


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
