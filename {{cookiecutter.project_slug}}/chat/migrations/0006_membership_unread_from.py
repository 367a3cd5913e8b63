from django.db import migrations, models
from django.db.models import F


def as_counted_before(apps, schema_editor):
    """Memberships made before: unread counted from their history cut, as it was."""
    Membership = apps.get_model("chat", "Membership")
    Membership.objects.update(unread_from=F("history_from"))


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0005_report_keeps_the_reported_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="unread_from",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(as_counted_before, migrations.RunPython.noop),
    ]
