import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.complaints_public.samples import PDF, PNG


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private-media"
    return settings.MEDIA_ROOT


@pytest.fixture
def web_form_data():
    """A complete, valid submission; tests change what they need."""

    def make(**overrides):
        data = {
            "name": "王小明",
            "mobile": "13912345678",
            "email": "",
            "reference": "",
            "category": "collection_conduct",
            "description": "催收员每天晚上十一点打电话给我父母，还威胁要上门。",
            "desired_outcome": "停止骚扰我的家人，给出书面道歉。",
            "preferred_channel": "sms",
            "preferred_time": "any",
            "consent": "on",
            "website": "",
        }
        data.update(overrides)
        return data

    return make


@pytest.fixture
def png_file():
    return lambda name="截图.png": SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def pdf_file():
    return lambda name="合同.pdf": SimpleUploadedFile(name, PDF, content_type="application/pdf")


def resolve_complaint(complaint, agent, summary="已核实，已停止该催收员的外呼并向您致歉。"):
    """An agent takes the complaint through classify → start → resolve with the real services."""
    from complaints import services

    complaint = services.complaint_classify(
        complaint=complaint, category=complaint.category, priority=complaint.priority, actor=agent
    )
    complaint = services.complaint_start(complaint=complaint, actor=agent)
    return services.complaint_resolve(
        complaint=complaint, resolution_summary=summary, root_cause="collection_misconduct", actor=agent
    )
