"""What a file is, from its first bytes: the allow-list of kinds an attachment may be.

The upload's declared media type and any file name are never believed: an HTML page sent as
``image/png`` or a PNG named ``scan.pdf`` is what its bytes say. Only three kinds pass, each by
the signature its format requires at its very start (a PDF's ``%PDF-`` too: readers tolerate junk
before it, which is how polyglot files are made, so it is refused here).
"""

from __future__ import annotations

from persistence.models.device_vocabulary import AttachmentMediaType

JPEG_SIGNATURE = b"\xff\xd8\xff"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PDF_SIGNATURE = b"%PDF-"

_SIGNATURES = (
    (JPEG_SIGNATURE, AttachmentMediaType.jpeg),
    (PNG_SIGNATURE, AttachmentMediaType.png),
    (PDF_SIGNATURE, AttachmentMediaType.pdf),
)


def sniff(data: bytes) -> AttachmentMediaType | None:
    """The allowed kind ``data`` is, or None when it is none of them."""
    for signature, media_type in _SIGNATURES:
        if data.startswith(signature):
            return media_type
    return None
