from django.db import models


class Message(models.Model):
    room = models.IntegerField()
    sender = models.IntegerField()
    body = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
