import json
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from .models import Message


class ChatConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.room = int(self.scope["url_route"]["kwargs"]["room"])
        self.user = int(parse_qs(self.scope["query_string"].decode())["user"][0])
        self.group = f"chat_{self.room}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        frame = json.loads(text_data)
        await database_sync_to_async(Message.objects.create)(
            room=self.room, sender=self.user, body=frame["body"]
        )
        await self.channel_layer.group_send(
            self.group,
            {
                "type": "chat.message",
                "sender": self.user,
                "body": frame["body"],
                "client_id": frame["client_id"],
            },
        )

    async def chat_message(self, event):
        message = {
            "room": self.room,
            "sender": {"id": event["sender"]},
            "body": event["body"],
            "client_id": event["client_id"],
        }
        await self.send(text_data=json.dumps({"type": "message.new", "message": message}))
