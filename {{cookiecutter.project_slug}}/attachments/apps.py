from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "attachments"

    def ready(self):
        # Every way an attachment's row goes (its message deleted, its room deleted, the
        # orphan clean-up, the admin) takes its files with it once the deletion has committed.
        from . import cleanup

        cleanup.connect_signals()
