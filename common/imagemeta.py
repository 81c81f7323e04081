"""Remove the metadata borrowers did not mean to send from uploaded photos.

A phone photo of a contract or a collector's visit carries EXIF: GPS position, time, device serial
numbers, often a thumbnail of the uncropped picture. None of it is needed as evidence and some of it
locates the borrower's home, so JPEG and PNG uploads are stored without it:

- JPEG: APP1 (EXIF, XMP), APP13 (IPTC / Photoshop) and comment segments are dropped. The EXIF
  orientation is kept (as a minimal EXIF block with that one tag), so a photo taken sideways still
  shows upright. Colour profiles (APP2) and JFIF/Adobe headers stay; the image data is copied as is.
- PNG: eXIf, tEXt, zTXt, iTXt and tIME chunks are dropped.

Pure byte surgery on the container (no decoding, no re-compression): the picture is bit-for-bit the
one uploaded. A file whose structure cannot be followed is returned unchanged (`StripResult.changed`
False, `reason` says why) — it already passed the content-type check, and refusing a borrower's
evidence over a quirk would be worse.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

JPEG_DROP = {0xE1, 0xED, 0xFE}  # APP1 EXIF/XMP, APP13 IPTC, COM
PNG_DROP = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ORIENTATION_TAG = 0x0112


@dataclass(frozen=True)
class StripResult:
    data: bytes
    changed: bool
    reason: str = ""


def strip_metadata(data: bytes, mime: str) -> StripResult:
    try:
        if mime == "image/jpeg":
            return _strip_jpeg(data)
        if mime == "image/png":
            return _strip_png(data)
    except (ValueError, struct.error, IndexError) as exc:
        return StripResult(data, False, f"unreadable structure: {exc}")
    return StripResult(data, False, "not an image type with metadata handled here")


# --- JPEG -------------------------------------------------------------------------------------------


def _strip_jpeg(data: bytes) -> StripResult:
    if data[:2] != b"\xff\xd8":
        raise ValueError("no SOI marker")
    out = [b"\xff\xd8"]
    orientation = None
    changed = False
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            raise ValueError(f"expected a marker at {i}")
        while i < len(data) and data[i] == 0xFF:  # fill bytes before a marker
            i += 1
        marker = data[i]
        i += 1
        if marker == 0xD9:  # EOI without image data
            out.append(b"\xff\xd9")
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # standalone markers
            out.append(bytes((0xFF, marker)))
            continue
        (length,) = struct.unpack(">H", data[i : i + 2])
        if length < 2 or i + length > len(data):
            raise ValueError(f"segment {marker:#x} runs past the end")
        segment = data[i : i + length]
        if marker == 0xDA:  # start of scan: the rest is image data, copied unchanged
            if orientation not in (None, 1):
                out.insert(1, _exif_with_orientation(orientation))
            out.append(b"\xff\xda" + data[i:])
            return StripResult(b"".join(out), changed)
        if marker in JPEG_DROP:
            changed = True
            if marker == 0xE1 and segment[2:8] == b"Exif\x00\x00" and orientation is None:
                orientation = _exif_orientation(segment[8:])
        else:
            out.append(bytes((0xFF, marker)) + segment)
        i += length
    raise ValueError("no image data (SOS) found")


def _exif_orientation(tiff: bytes) -> int | None:
    """The Orientation tag of IFD0 of an EXIF TIFF block, or None."""
    if tiff[:2] == b"II":
        endian = "<"
    elif tiff[:2] == b"MM":
        endian = ">"
    else:
        return None
    (offset,) = struct.unpack(endian + "I", tiff[4:8])
    (count,) = struct.unpack(endian + "H", tiff[offset : offset + 2])
    for n in range(count):
        entry = tiff[offset + 2 + 12 * n : offset + 14 + 12 * n]
        tag, kind = struct.unpack(endian + "HH", entry[:4])
        if tag == ORIENTATION_TAG and kind == 3:  # SHORT
            (value,) = struct.unpack(endian + "H", entry[8:10])
            return value if 1 <= value <= 8 else None
    return None


def _exif_with_orientation(orientation: int) -> bytes:
    """A minimal APP1 EXIF segment holding only the Orientation tag (little-endian TIFF)."""
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1)
    tiff += struct.pack("<HHIHH", ORIENTATION_TAG, 3, 1, orientation, 0) + struct.pack("<I", 0)
    body = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


# --- PNG --------------------------------------------------------------------------------------------


def _strip_png(data: bytes) -> StripResult:
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("no PNG signature")
    out = [PNG_SIGNATURE]
    changed = False
    i = len(PNG_SIGNATURE)
    while i < len(data):
        (length,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        end = i + 12 + length
        if len(kind) != 4 or end > len(data):
            raise ValueError(f"chunk at {i} runs past the end")
        if kind in PNG_DROP:
            changed = True
        else:
            out.append(data[i:end])
        i = end
        if kind == b"IEND":
            return StripResult(b"".join(out), changed)
    raise ValueError("no IEND chunk")
