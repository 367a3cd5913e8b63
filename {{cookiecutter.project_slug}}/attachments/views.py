"""Uploading to a room, and downloading what its members sent: thin views over the domain."""

from django.http import FileResponse, HttpResponseNotModified, HttpResponseRedirect
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.parsers import UTF8MultiPartParser
from core.upload_turns import upload_turn

from .content import KNOWN_TYPES
from .downloads import readable_attachment
from .linking import payload
from .serializers import AttachmentSerializer, AttachmentUploadSerializer
from .storage import serves_files_itself
from .uploads import upload_attachment

# The file as its detected type, one of those the server recognises (local storage).
FILE_RESPONSES = {
    **{
        (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")
        for content_type in sorted(KNOWN_TYPES)
    },
    302: OpenApiResponse(description="To a short-lived signed URL of the file (S3 storage)."),
    304: OpenApiResponse(description="Unchanged: the If-None-Match sent is the file's ETag."),
}


class RoomAttachmentsView(APIView):
    """Upload a file to a room of yours, to send it with a message within the next hours."""

    parser_classes = [UTF8MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
    )
    def post(self, request: Request, room_id: int) -> Response:
        with upload_turn(request.user.pk):
            attachment = upload_attachment(request.user, room_id, request.FILES.get("file"))
        return Response(payload(attachment), status=status.HTTP_201_CREATED)


def file_response(request: Request, field, attachment, content_type: str):
    """The stored file: streamed from local storage, or a redirect to a signed URL.

    Browsers keep a copy, but ask again each time they show it (no-cache), and are answered
    304 while it is still theirs to read: kept an hour, a deleted message's file, or the files
    of a room its member left, stayed readable on that browser for the hour. The file under an
    attachment's id never changes, so the id and the file's name tag it."""
    # Images inline, for <img>; any other file saved, never opened by the browser.
    as_attachment = not content_type.startswith("image/")
    if not serves_files_itself(field.storage):
        disposition = content_disposition_header(as_attachment, attachment.name)
        return HttpResponseRedirect(
            field.storage.url(
                field.name,
                parameters={
                    "ResponseContentType": content_type,
                    "ResponseContentDisposition": disposition,
                },
            )
        )
    tag = f'"{attachment.pk}-{field.name.rsplit("/", 1)[-1]}"'
    if request.headers.get("If-None-Match") == tag:
        response = HttpResponseNotModified()
    else:
        response = FileResponse(
            field.open("rb"),
            as_attachment=as_attachment,
            filename=attachment.name,
            content_type=content_type,
        )
        # Served from the API's origin: never sniffed into HTML, never run as a page.
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["ETag"] = tag
    response["Cache-Control"] = "private, no-cache"
    return response


class AttachmentFileView(APIView):
    """An attachment's file, for members of its room (an unsent upload: its uploader only)."""

    @extend_schema(responses=FILE_RESPONSES)
    def get(self, request: Request, attachment_id: int):
        attachment = readable_attachment(request.user, attachment_id)
        return file_response(request, attachment.file, attachment, attachment.content_type)


class AttachmentThumbnailView(APIView):
    """An image attachment's thumbnail (WebP), for those who may read the attachment."""

    @extend_schema(responses=FILE_RESPONSES)
    def get(self, request: Request, attachment_id: int):
        attachment = readable_attachment(request.user, attachment_id, thumbnail=True)
        return file_response(request, attachment.thumbnail, attachment, "image/webp")
