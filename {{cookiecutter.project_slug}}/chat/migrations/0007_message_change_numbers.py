from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0006_membership_unread_from"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="change",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="room",
            name="last_change",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                condition=models.Q(("change__gt", 0)),
                fields=["room", "change"],
                name="message_room_change",
            ),
        ),
    ]
