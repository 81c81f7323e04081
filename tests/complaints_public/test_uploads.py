"""Upload checks: by content, not by name; sizes; names sanitised."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.public.uploads import OversizeUploadHandler, check_upload, detect_type, sanitize_filename
from tests.complaints_public.samples import EXE, HTML_AS_JPG, JPEG, PDF, PNG


@pytest.mark.parametrize(
    ("content", "name", "mime", "ext"),
    [(JPEG, "photo.jpg", "image/jpeg", ".jpg"), (PNG, "s.png", "image/png", ".png"), (PDF, "c.pdf", "application/pdf", ".pdf")],
)
def test_allowed_types_are_recognised_by_content(content, name, mime, ext):
    checked = check_upload(SimpleUploadedFile(name, content, content_type="application/octet-stream"))
    assert checked.mime == mime
    assert checked.extension == ext
    assert checked.storage_name().endswith(ext)
    assert len(checked.storage_name()) == 32 + len(ext)


def test_extension_follows_the_content_not_the_name():
    checked = check_upload(SimpleUploadedFile("scan.pdf", PNG))
    assert checked.mime == "image/png"
    assert checked.original_name == "scan.png"


@pytest.mark.parametrize("content", [EXE, HTML_AS_JPG, b"GIF89a" + b"\x00" * 40, b"\xff\xd8" + b"\x00" * 10])
def test_renamed_or_foreign_files_are_refused(content):
    with pytest.raises(ValidationError) as exc:
        check_upload(SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg"))
    assert exc.value.code == "file_type"
    assert "photo.jpg" in exc.value.messages[0]


def test_signature_alone_is_not_enough_when_the_sniffer_disagrees():
    # starts like a PDF for our table, but the sniffer must agree too: both are required
    assert detect_type(b"%PDF-1.7\n") == "application/pdf"
    assert detect_type(b"%PDX-1.7\n") is None


def test_too_large_and_empty_files_are_refused(settings):
    settings.CRM = {**settings.CRM, "PUBLIC_FORM": {"MAX_FILE_BYTES": 1024}}
    with pytest.raises(ValidationError) as exc:
        check_upload(SimpleUploadedFile("big.png", PNG + b"\x00" * 2000))
    assert exc.value.code == "file_too_large"
    with pytest.raises(ValidationError) as exc:
        check_upload(SimpleUploadedFile("empty.png", b""))
    assert exc.value.code == "file_empty"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\合同 扫描件.pdf", "合同 扫描件.pdf"),
        ("<script>alert(1)</script>.jpg", "script_.jpg"),  # "/" is a path separator
        ("<b>名字</b>.jpg".replace("/", ""), "_b_名字_b_.jpg"),
        ("a\x00b\x1f.png", "ab.png"),
        ("", "attachment"),
        ("...", "attachment"),
        ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
    ],
)
def test_sanitize_filename(raw, expected):
    assert sanitize_filename(raw) == expected


def test_oversize_handler_skips_the_file_and_remembers_its_name(rf, settings):
    from django.core.files.uploadhandler import SkipFile

    settings.CRM = {**settings.CRM, "PUBLIC_FORM": {"MAX_FILE_BYTES": 10}}
    request = rf.post("/")
    handler = OversizeUploadHandler(request)
    handler.new_file("attachments", "huge.png", "image/png", 100)
    assert handler.receive_data_chunk(b"12345", 0) == b"12345"
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"1234567", 5)
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"1234567", 12)
    assert request.oversize_uploads == ["huge.png"]
    # the next file starts counting from zero
    handler.new_file("attachments", "small.png", "image/png", 5)
    assert handler.receive_data_chunk(b"12345", 0) == b"12345"
