"""The 1-to-1 rooms' own answers: a block (a project without 1-to-1 rooms leaves this module
out)."""

from rest_framework import serializers

from users.serializers import UserRefSerializer

from ..models import Block


class BlockSerializer(serializers.ModelSerializer):
    user = UserRefSerializer(source="blocked", read_only=True)

    class Meta:
        model = Block
        fields = ["user", "created"]
        read_only_fields = fields
