"""Photos are stored without their metadata (GPS, device, time); the picture itself is untouched."""

import struct
import zlib

import filetype
import pytest

from common.imagemeta import _exif_orientation, strip_metadata
from tests.complaints_public.samples import JPEG, PNG

SECRET = b"GPS 31.2304N 121.4737E iPhone SN F2LXK0AAHG7F"


def exif_segment(orientation: int) -> bytes:
    """An EXIF APP1 block (big-endian TIFF): Orientation, plus a maker note holding SECRET."""
    entries = [
        struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0),
        struct.pack(">HHII", 0x927C, 7, len(SECRET), 8 + 2 + 12 * 2 + 4),  # MakerNote → after the IFD
    ]
    tiff = b"MM\x00*" + struct.pack(">I", 8) + struct.pack(">H", len(entries)) + b"".join(entries)
    tiff += struct.pack(">I", 0) + SECRET
    body = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def jpeg_with_exif(orientation: int = 6) -> bytes:
    comment = b"\xff\xfe" + struct.pack(">H", len(SECRET) + 2) + SECRET
    return JPEG[:2] + exif_segment(orientation) + comment + JPEG[2:]


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_text() -> bytes:
    ihdr_end = 8 + 25
    return PNG[:ihdr_end] + png_chunk(b"tEXt", b"Comment\x00" + SECRET) + png_chunk(b"eXIf", SECRET) + PNG[ihdr_end:]


def image_data(jpeg: bytes) -> bytes:
    return jpeg[jpeg.index(b"\xff\xda") :]


def test_jpeg_loses_exif_and_comments_keeps_orientation_and_pixels():
    original = jpeg_with_exif(orientation=6)
    result = strip_metadata(original, "image/jpeg")
    assert result.changed and SECRET not in result.data
    assert image_data(result.data) == image_data(original)  # the compressed picture, byte for byte
    assert filetype.guess_mime(result.data) == "image/jpeg"
    app1 = result.data.index(b"\xff\xe1")
    assert _exif_orientation(result.data[app1 + 10 :]) == 6  # still shown upright


def test_upright_jpeg_gets_no_exif_block_at_all():
    result = strip_metadata(jpeg_with_exif(orientation=1), "image/jpeg")
    assert b"Exif" not in result.data and result.data.startswith(b"\xff\xd8\xff\xe0")  # JFIF header kept


def test_clean_files_are_unchanged():
    assert strip_metadata(JPEG, "image/jpeg").changed is False
    assert strip_metadata(PNG, "image/png").data == PNG


def test_png_loses_text_and_exif_chunks():
    result = strip_metadata(png_with_text(), "image/png")
    assert result.changed and SECRET not in result.data and result.data == PNG


@pytest.mark.parametrize("damaged", [jpeg_with_exif()[:30], b"\xff\xd8\xff\xe1\xff\xff" + b"x" * 10])
def test_a_file_it_cannot_follow_is_kept_as_sent(damaged):
    result = strip_metadata(damaged, "image/jpeg")
    assert result.data == damaged and not result.changed and result.reason
