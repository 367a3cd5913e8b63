"""Avatar uploads: judged by decoding them with Pillow, never by their name or content type,
and stored re-encoded as a small square, so that nothing of the uploaded file (EXIF location
and camera data, trailing bytes, another format's payload) is ever served back."""

import io
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from core.image_decoding import TOO_MANY_SCANS, TooManyScans, decoding_turn, refuse_costly_scans

# What phones and browsers produce; Pillow is asked to recognise these formats only.
ACCEPTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
# What a damaged or hostile file makes Pillow raise while it decodes.
DECODING_ERRORS = (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError)
# Quality of the re-encoded JPEG: invisible loss at 256 px, a tenth of a PNG's size.
JPEG_QUALITY = 85


def reencode(upload) -> ContentFile:
    """The upload as a square PNG (when it has transparency) or JPEG, or ValidationError."""
    limit = settings.USERS_AVATAR_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            f"The image is larger than {limit} bytes: upload a smaller one.", code="too_large"
        )
    side = settings.USERS_AVATAR_SIZE
    try:
        with decoding_turn(), Image.open(upload, formats=ACCEPTED_FORMATS) as image:
            # Image.open read the header only: refuse a huge image before decoding it.
            if image.width * image.height > settings.USERS_AVATAR_MAX_PIXELS:
                raise ValidationError("The image has too many pixels.", code="too_large")
            refuse_costly_scans(image, upload)
            # A JPEG is decoded straight at the smallest scale (1/2, 1/4 or 1/8) still at
            # least `side` pixels a side: a fraction of the memory and time of a full decode.
            image.draft("RGB", (side, side))
            # Turned as the camera said (EXIF orientation), before the EXIF is left behind; in
            # place, as a copy would be a second image of every pixel.
            ImageOps.exif_transpose(image, in_place=True)
            transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            mode = "RGBA" if transparent else "RGB"
            square = ImageOps.fit(
                image if image.mode == mode else image.convert(mode),
                (side, side),
                Image.Resampling.LANCZOS,
            )
    except TooManyScans:
        raise ValidationError(TOO_MANY_SCANS, code="too_large") from None
    except DECODING_ERRORS as error:
        raise ValidationError(
            "The file is not an image this server reads (JPEG, PNG, GIF or WebP), or it is "
            "damaged.",
            code="invalid_image",
        ) from error
    # A new image from the pixels alone: no metadata of the upload (EXIF, ICC, text) follows.
    clean = Image.new(square.mode, square.size)
    clean.paste(square)
    output = io.BytesIO()
    if transparent:
        clean.save(output, "PNG", optimize=True)
    else:
        clean.save(output, "JPEG", quality=JPEG_QUALITY)
    # A new name at every upload: the avatar's URL changes with it, so clients cache it for good.
    extension = "png" if transparent else "jpg"
    return ContentFile(output.getvalue(), name=f"{secrets.token_hex(8)}.{extension}")
