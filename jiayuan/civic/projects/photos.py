"""Photos on project updates: proved to be images by Pillow (not by their
name), capped in bytes and pixels, and re-encoded to JPEG, which drops every
EXIF block (GPS position, camera, time) the phone wrote. The stored file is
what we wrote, never what was uploaded."""

from __future__ import annotations

import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; more is a decompression bomb or a scan
LONG_SIDE = 2048  # stored size: enough for a wall screen, small on disk
ACCEPTED = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"})


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def clean_photo(upload: UploadedFile) -> ContentFile:
    """The photo as a clean JPEG, or a ValidationError on `photo` that names
    the problem (too large, not an image, too many pixels)."""
    size = upload.size
    if size is None:
        raise ValidationError({"photo": _("The photo arrived without its size: choose it "
                                          "again.")})
    if size > MAX_BYTES:
        raise ValidationError({"photo": _("The photo is %(size)s; the limit is %(limit)s.")
                               % {"size": _mb(size), "limit": _mb(MAX_BYTES)}})
    if size == 0:
        raise ValidationError({"photo": _("The photo is empty.")})
    not_image = ValidationError({"photo": _("That file is not a photo we can read (JPEG, "
                                            "PNG, WebP, GIF or BMP).")})
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt not in ACCEPTED:
                    raise not_image
                if width * height > MAX_PIXELS:
                    raise ValidationError({"photo": _(
                        "The photo is %(w)d × %(h)d pixels; the limit is %(limit)d "
                        "megapixels.") % {"w": width, "h": height,
                                          "limit": MAX_PIXELS // 1_000_000}})
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as img:
                img.load()
                img = ImageOps.exif_transpose(img)  # keep it upright once EXIF is gone
                img = img.convert("RGB")
                img.thumbnail((LONG_SIDE, LONG_SIDE))
                out = io.BytesIO()
                img.save(out, format="JPEG", quality=85, optimize=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise not_image from None
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue(), name="photo.jpg")
