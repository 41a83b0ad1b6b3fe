"""Images in group posts: re-encoded from their pixels alone, so no metadata (EXIF, GPS, camera,
comments, colour profiles) survives; stored by content hash beside the posts' media."""

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps
from sqlmodel import Session

from app.errors import InvalidInput
from app.groups.models import GroupPostImage
from app.posts import media

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2560
# What each accepted type is stored as (a GIF keeps its first frame only, as a PNG).
FORMATS = {
    "image/jpeg": ("JPEG", "image/jpeg"),
    "image/png": ("PNG", "image/png"),
    "image/webp": ("WEBP", "image/webp"),
    "image/gif": ("PNG", "image/png"),
}


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    mime_type: str
    width: int
    height: int


def clean(filename: str, data: bytes) -> CleanImage:
    """The image re-encoded without any metadata, at most MAX_SIDE pixels a side; 422 otherwise."""
    name = (filename or "image")[-80:]
    kind = media.sniff(data)
    if kind not in FORMATS:
        raise InvalidInput(
            "{filename} is not a PNG, JPEG, GIF or WebP image", field="image", filename=name
        )
    if len(data) > MAX_BYTES:
        raise InvalidInput("{filename} is larger than 8 MB", field="image", filename=name)
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise InvalidInput("{filename} has too many pixels", field="image", filename=name)
            picture = ImageOps.exif_transpose(opened)  # keep the orientation the camera meant
            picture.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(
            "{filename} could not be read as an image", field="image", filename=name
        ) from None
    return _encode(picture, *FORMATS[kind])


def _encode(picture: Image.Image, fmt: str, mime: str) -> CleanImage:
    alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    mode = "RGBA" if alpha and fmt != "JPEG" else "RGB"
    if picture.mode == "L":
        mode = "L"
    picture = picture.convert(mode)
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    # A new image holds the pixels and nothing else: no info dictionary, no EXIF, no ICC.
    bare = Image.new(mode, picture.size)
    bare.paste(picture)
    out = io.BytesIO()
    options = {"quality": 85} if fmt in ("JPEG", "WEBP") else {"optimize": True}
    bare.save(out, fmt, **options)
    return CleanImage(out.getvalue(), mime, bare.width, bare.height)


def store(*, db: Session, post_id: int, image: CleanImage) -> GroupPostImage:
    """Keep a cleaned image for a post."""
    digest = hashlib.sha256(image.data).hexdigest()
    path = media.media_dir() / digest
    if not path.exists():
        path.write_bytes(image.data)
    item = GroupPostImage(
        post_id=post_id,
        mime_type=image.mime_type,
        size=len(image.data),
        width=image.width,
        height=image.height,
        sha256=digest,
    )
    db.add(item)
    return item


def read(item: GroupPostImage) -> bytes:
    return (media.media_dir() / item.sha256).read_bytes()
