import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.exceptions import DomainError
from complaints import services

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e2215bc30000000049454e44ae426082")


def test_an_image_is_stored_outside_the_web_root_with_its_hash(make_complaint, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    c = make_complaint()
    a = services.complaint_add_attachment(complaint=c, uploaded_file=SimpleUploadedFile("凭证.png", PNG, "image/png"))
    assert a.content_type == "image/png" and a.size == len(PNG)
    assert a.sha256 == hashlib.sha256(PNG).hexdigest()
    assert a.original_name == "凭证.png" and "凭证" not in a.file.name
    assert (tmp_path / a.file.name).read_bytes() == PNG
    assert c.events.filter(kind="attachment_added").exists()


def test_a_script_renamed_to_png_is_refused(make_complaint, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    c = make_complaint()
    with pytest.raises(DomainError) as exc:
        services.complaint_add_attachment(
            complaint=c, uploaded_file=SimpleUploadedFile("x.png", b"<script>alert(1)</script>", "image/png")
        )
    assert exc.value.field == "attachments"
    assert not c.attachments.exists()


def test_too_large_is_refused(make_complaint, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CRM = {**settings.CRM, "COMPLAINT_ATTACHMENT_MAX_BYTES": 10}
    with pytest.raises(DomainError):
        services.complaint_add_attachment(complaint=make_complaint(), uploaded_file=SimpleUploadedFile("x.png", PNG))


def test_an_uploaded_photo_is_stored_without_its_metadata(make_complaint, settings, tmp_path):
    from tests.common.test_imagemeta import SECRET, image_data, jpeg_with_exif

    settings.MEDIA_ROOT = tmp_path
    complaint = make_complaint()
    photo = jpeg_with_exif()
    a = services.complaint_add_attachment(complaint=complaint, uploaded_file=SimpleUploadedFile("现场.jpg", photo))
    stored = (tmp_path / a.file.name).read_bytes()
    assert SECRET not in stored and image_data(stored) == image_data(photo)
    assert a.size == len(stored) and a.sha256 == hashlib.sha256(stored).hexdigest()
    assert a.original_name == "现场.jpg" and a.content_type == "image/jpeg"
