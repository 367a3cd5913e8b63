"""An ASGI guard that refuses HTTP request bodies over a size before anything reads them.

Django's ASGI handler reads a whole request body (into memory, then a temporary file) before
any view, authentication included, sees the request: without this, anyone could make the
server read hundreds of megabytes.
"""

import json
import re
import tempfile

from django.conf import settings

# The pieces a chunked body read here is handed on in.
REPLAYED_CHUNK_BYTES = 64 * 1024


class RequestBodyLimit:
    def __init__(self, app, max_bytes: int | None = None, larger_for=()):
        self.app = app
        self.max_bytes = settings.HTTP_MAX_BODY_BYTES if max_bytes is None else max_bytes
        # (path pattern, bytes): the routes that take larger bodies (file uploads), each its own.
        self.larger_for = [(re.compile(pattern), limit) for pattern, limit in larger_for]

    def limit_for(self, path: str) -> int:
        for pattern, limit in self.larger_for:
            if pattern.fullmatch(path):
                return limit
        return self.max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        max_bytes = self.limit_for(scope["path"])
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > max_bytes:
            return await refuse(send, max_bytes)
        if not declared and b"transfer-encoding" in headers:
            return await self.with_length_declared(scope, receive, send, max_bytes)
        received = 0
        refused = False

        async def limited_receive():
            nonlocal received, refused
            message = await receive()
            received += len(message.get("body", b""))
            if received > max_bytes and not refused:
                # A chunked body with no Content-Length, past the limit: the application
                # sees the client leave (Django then answers nothing), and we answer 413.
                refused = True
                return {"type": "http.disconnect"}
            return message

        await self.app(scope, limited_receive, send)
        if refused:
            await refuse(send, max_bytes)

    async def with_length_declared(self, scope, receive, send, max_bytes: int) -> None:
        """A chunked body, read here (up to the limit) and handed on with its Content-Length:
        Django's request, and DRF's parsers, take a body without one for empty. Kept as Django
        keeps a body: in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, on disk past it."""
        with tempfile.SpooledTemporaryFile(settings.FILE_UPLOAD_MAX_MEMORY_SIZE) as body:
            length = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                length += len(chunk)
                if length > max_bytes:
                    return await refuse(send, max_bytes)
                body.write(chunk)
                if not message.get("more_body"):
                    break
            body.seek(0)
            declared = (b"content-length", str(length).encode())
            scope = {**scope, "headers": [*scope["headers"], declared]}
            read, handed_on = 0, False

            async def receive_declared():
                nonlocal read, handed_on
                if handed_on:
                    return await receive()  # the disconnect, once the response is sent
                chunk = body.read(REPLAYED_CHUNK_BYTES)
                read += len(chunk)
                handed_on = read >= length
                return {"type": "http.request", "body": chunk, "more_body": not handed_on}

            await self.app(scope, receive_declared, send)


async def refuse(send, max_bytes: int) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    detail = f"The request body is too large: at most {max_bytes} bytes here."
    await send({"type": "http.response.body", "body": json.dumps({"detail": detail}).encode()})
