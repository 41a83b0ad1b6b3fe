"""Images attached to posts: checked, stored by content hash under the data folder."""

import hashlib
from pathlib import Path

from sqlmodel import Session

from app.errors import InvalidInput
from app.posts.models import PostMedia
from app.settings import get_settings

ALLOWED = {
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF8": "image/gif",
    b"RIFF": "image/webp",
}
MAX_BYTES = 10 * 1024 * 1024


def media_dir() -> Path:
    path = get_settings().data_dir / "media"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sniff(data: bytes) -> str | None:
    """The image type by its first bytes (the browser's claim is not trusted)."""
    for magic, mime in ALLOWED.items():
        if data.startswith(magic) and (mime != "image/webp" or data[8:12] == b"WEBP"):
            return mime
    return None


def attach(*, db: Session, post_id: int, filename: str, data: bytes) -> PostMedia:
    """Store one image for a post; refuses non-images and files over 10 MB."""
    mime = sniff(data)
    if mime is None:
        raise InvalidInput(
            "{filename} is not a PNG, JPEG, GIF or WebP image", field="media", filename=filename
        )
    if len(data) > MAX_BYTES:
        raise InvalidInput("{filename} is larger than 10 MB", field="media", filename=filename)
    digest = hashlib.sha256(data).hexdigest()
    path = media_dir() / digest
    if not path.exists():
        path.write_bytes(data)
    item = PostMedia(
        post_id=post_id,
        filename=Path(filename).name[:200] or "image",
        mime_type=mime,
        size=len(data),
        sha256=digest,
    )
    db.add(item)
    return item


def read(item: PostMedia) -> bytes:
    return (media_dir() / item.sha256).read_bytes()
