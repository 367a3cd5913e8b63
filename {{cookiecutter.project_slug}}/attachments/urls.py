from django.urls import path

from .views import AttachmentFileView, AttachmentThumbnailView, RoomAttachmentsView

urlpatterns = [
    path(
        "rooms/<id:room_id>/attachments/",
        RoomAttachmentsView.as_view(),
        name="room-attachments",
    ),
    path("attachments/<id:attachment_id>/", AttachmentFileView.as_view(), name="attachment-file"),
    path(
        "attachments/<id:attachment_id>/thumbnail/",
        AttachmentThumbnailView.as_view(),
        name="attachment-thumbnail",
    ),
]
