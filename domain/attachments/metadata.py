"""Removing what a photo says beyond its pixels: EXIF (with GPS location, the camera's serial
number, the time), XMP, IPTC, comments and embedded thumbnails.

A careful walk over the file's structure rather than an image library: decoding images means
running large C decoders on untrusted bytes (Pillow has had a steady stream of decoder CVEs),
and re-encoding a JPEG loses quality and changes every byte. A JPEG is a sequence of marker
segments, each with its length; the pixels are the entropy-coded data after SOS. The walk keeps
what decoding needs (frame, tables, scans, restart markers) and the colour information (JFIF
APP0, ICC profile APP2, Adobe APP14), and drops every other application segment (APP1 EXIF and
XMP, APP13 IPTC, APP2 FlashPix or MPF...) and comments; anything after EOI (trailers, appended
"motion photo" videos, MPF's second image, which carries its own EXIF) is dropped too. A PNG is
a sequence of chunks: ``eXIf``, ``tEXt``, ``zTXt``, ``iTXt`` and ``tIME`` are dropped. A file
whose structure does not hold (a length past the end, no EOI, no IEND) is refused rather than
kept half-cleaned.

The one loss: EXIF orientation. The app turns the pixels upright before uploading (as it must
for the preview anyway).
"""

from __future__ import annotations

import struct

from persistence.models.device_vocabulary import AttachmentMediaType


class DamagedFile(ValueError):
    """The file's structure does not hold: it cannot be cleaned with certainty."""


SOI, EOI, SOS, COM, TEM = 0xD8, 0xD9, 0xDA, 0xFE, 0x01
_RESTARTS = range(0xD0, 0xD8)
_APP0, _APP2, _APP14 = 0xE0, 0xE2, 0xEE
_APPS = range(0xE0, 0xF0)
# Application segments kept: what colour rendering needs, identified by their signature.
_KEPT_APPS = {
    _APP0: (b"JFIF\x00", b"JFXX\x00"),
    _APP2: (b"ICC_PROFILE\x00",),
    _APP14: (b"Adobe",),
}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_DROPPED = frozenset({b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"})


def _keeps(marker: int, payload: bytes) -> bool:
    if marker == COM:
        return False
    if marker in _APPS:
        return payload.startswith(_KEPT_APPS.get(marker, ()))
    return True


def strip_jpeg(data: bytes) -> bytes:
    """The JPEG without metadata segments, its image data untouched. Raises DamagedFile."""
    if not data.startswith(b"\xff\xd8"):
        raise DamagedFile("not a JPEG")
    out = [b"\xff\xd8"]
    size, pos = len(data), 2
    while True:
        if pos >= size or data[pos] != 0xFF:
            raise DamagedFile("a marker was expected")
        while pos < size and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= size:
            raise DamagedFile("the file ends inside a marker")
        marker = data[pos]
        pos += 1
        if marker == EOI:
            out.append(b"\xff\xd9")
            return b"".join(out)
        if marker in _RESTARTS or marker == TEM or marker == SOI:
            if marker == SOI:
                raise DamagedFile("a second start of image")
            out.append(bytes((0xFF, marker)))
            continue
        if pos + 2 > size:
            raise DamagedFile("the file ends inside a segment length")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        end = pos + length
        if length < 2 or end > size:
            raise DamagedFile("a segment runs past the end")
        if _keeps(marker, data[pos + 2 : end]):
            out.append(bytes((0xFF, marker)) + data[pos:end])
        pos = end
        if marker == SOS:
            scan_end = _end_of_scan(data, pos)
            out.append(data[pos:scan_end])
            pos = scan_end


def _end_of_scan(data: bytes, pos: int) -> int:
    """Where the entropy-coded data starting at ``pos`` ends: at the first marker that is
    neither a stuffed 0xFF00 nor a restart marker."""
    size = len(data)
    while True:
        found = data.find(b"\xff", pos)
        if found < 0 or found + 1 >= size:
            raise DamagedFile("the image data has no end")
        following = data[found + 1]
        if following == 0x00 or following in _RESTARTS:
            pos = found + 2
            continue
        if following == 0xFF:
            pos = found + 1
            continue
        return found


def strip_png(data: bytes) -> bytes:
    """The PNG without text, time and EXIF chunks. Raises DamagedFile."""
    if not data.startswith(PNG_SIGNATURE):
        raise DamagedFile("not a PNG")
    out = [PNG_SIGNATURE]
    pos, size, first = len(PNG_SIGNATURE), len(data), True
    while pos + 12 <= size:
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > size:
            raise DamagedFile("a chunk runs past the end")
        if first and kind != b"IHDR":
            raise DamagedFile("the first chunk is not IHDR")
        first = False
        if kind not in PNG_DROPPED:
            out.append(data[pos:end])
        pos = end
        if kind == b"IEND":
            return b"".join(out)
    raise DamagedFile("no IEND chunk")


def without_metadata(media_type: AttachmentMediaType, data: bytes) -> bytes:
    """``data`` with its metadata removed (images); a PDF as it is. Raises DamagedFile."""
    if media_type is AttachmentMediaType.jpeg:
        return strip_jpeg(data)
    if media_type is AttachmentMediaType.png:
        return strip_png(data)
    return data
