"""Forms of the public complaint pages. Every field has a size limit; nothing here is ever marked safe."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from complaints.public import categories
from complaints.public.uploads import CheckedUpload, check_upload, public_settings

# Mainland mobile numbers; "+86", "0086", spaces and dashes are tolerated and removed.
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_mobile(value: str) -> str:
    digits = re.sub(r"[\s\-()（）]", "", str(value or ""))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    return digits


def normalize_reference(value: str) -> str:
    """Contract numbers and plates compare without spaces or dashes, case-insensitively."""
    return re.sub(r"[\s\-·•.]", "", str(value or "")).upper()


def _clean_text(value: str) -> str:
    # Control characters (other than newlines and tabs) have no business in a complaint.
    return "".join(ch for ch in str(value or "") if ch in "\n\t" or ch >= " " and ch != "\x7f").strip()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero to MAX_FILES files, each checked by content (complaints.public.uploads)."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data or []) if f]
        cfg = public_settings()
        if len(files) > cfg["MAX_FILES"]:
            raise ValidationError(
                ngettext("最多只能上传 %(max)d 个文件。", "最多只能上传 %(max)d 个文件。", cfg["MAX_FILES"])
                % {"max": cfg["MAX_FILES"]},
                code="too_many_files",
            )
        errors, checked = [], []
        for uploaded in files:
            try:
                checked.append(check_upload(uploaded))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return checked


class HoneypotMixin(forms.Form):
    # Hidden from people by CSS (class .pub-hp) and from assistive tech (aria-hidden); bots fill it.
    website = forms.CharField(
        label=_("网站（请留空）"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_bot(self) -> bool:
        return bool((self.data.get("website") or "").strip())


class PublicComplaintForm(HoneypotMixin, forms.Form):
    name = forms.CharField(
        error_messages={"required": _("请填写您的姓名。")},label=_("您的姓名"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    mobile = forms.CharField(
        error_messages={"required": _("请填写手机号码。")},
        label=_("手机号码"),
        max_length=20,
        help_text=_("我们会把受理编号发送到这个号码。"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("电子邮箱"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("请填写有效的电子邮箱，例如 name@example.com。")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    reference = forms.CharField(
        label=_("合同号或车牌号"),
        required=False,
        max_length=40,
        help_text=_("填写后我们能更快找到您的贷款。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    category = forms.ChoiceField(
        error_messages={"required": _("请选择问题类型。")},
        label=_("您遇到的是哪类问题？"), choices=categories.PUBLIC_CHOICES, widget=forms.RadioSelect
    )
    description = forms.CharField(
        error_messages={"required": _("请描述发生了什么。")},
        label=_("发生了什么？"),
        max_length=4000,
        help_text=_("请写明时间、经过和涉及的人员，最多 4000 字。"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    desired_outcome = forms.CharField(
        error_messages={"required": _("请告诉我们您希望怎么处理。")},
        label=_("您希望我们怎么处理？"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    preferred_channel = forms.ChoiceField(
        error_messages={"required": _("请选择联系方式。")},
        label=_("希望我们怎样联系您？"),
        choices=[("phone", _("电话")), ("sms", _("短信")), ("email", _("电子邮件"))],
        initial="phone",
        widget=forms.RadioSelect,
    )
    preferred_time = forms.ChoiceField(
        error_messages={"required": _("请选择方便联系的时间。")},
        label=_("方便联系的时间"),
        choices=[
            ("any", _("任何时间（8:00–21:00）")),
            ("morning", _("上午（9:00–12:00）")),
            ("afternoon", _("下午（12:00–18:00）")),
            ("evening", _("晚上（18:00–21:00）")),
        ],
        initial="any",
        widget=forms.RadioSelect,
    )
    attachments = MultipleFileField(
        label=_("附件"),
        widget=MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf"}),
    )
    consent = forms.BooleanField(
        label=_("我同意贵公司为处理本投诉而收集和使用我提供的个人信息（姓名、手机号、贷款信息和附件）。"),
        error_messages={"required": _("需要您同意处理个人信息，我们才能受理投诉。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cfg = public_settings()
        self.fields["attachments"].help_text = _(
            "可选，最多 %(count)d 个 JPG、PNG 或 PDF 文件，每个不超过 %(size)s（如合同、扣款记录、通话截图）。"
        ) % {"count": cfg["MAX_FILES"], "size": filesizeformat(cfg["MAX_FILE_BYTES"])}

    def clean_name(self):
        value = _clean_text(self.cleaned_data["name"])
        if not value:
            raise ValidationError(_("请填写您的姓名。"), code="required")
        return value

    def clean_mobile(self):
        value = normalize_mobile(self.cleaned_data["mobile"])
        if not MOBILE_RE.match(value):
            raise ValidationError(_("请填写 11 位手机号码，例如 13812345678。"), code="invalid_mobile")
        return value

    def clean_reference(self):
        return normalize_reference(self.cleaned_data.get("reference", ""))

    def clean_description(self):
        value = _clean_text(self.cleaned_data["description"])
        if len(value) < 10:
            raise ValidationError(_("请多写一些，至少 10 个字，方便我们了解情况。"), code="min_length")
        return value

    def clean_desired_outcome(self):
        value = _clean_text(self.cleaned_data["desired_outcome"])
        if not value:
            raise ValidationError(_("请告诉我们您希望怎么处理。"), code="required")
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("preferred_channel") == "email" and not cleaned.get("email"):
            self.add_error("email", ValidationError(_("选择邮件联系时，请填写电子邮箱。"), code="required"))
        return cleaned

    @property
    def uploads(self) -> list[CheckedUpload]:
        return self.cleaned_data.get("attachments") or []

    def fail_whole_request(self, message: str) -> None:
        """Show `message` as the form's error without binding any data (the body was never read)."""
        from django.forms.utils import ErrorDict

        self._errors = ErrorDict()
        self.cleaned_data = {}
        self.add_error(None, ValidationError(message, code="request_too_large"))

    def add_oversize_errors(self, names: list[str]) -> None:
        """Files the upload handler refused while reading (over the per-file limit)."""
        limit = filesizeformat(public_settings()["MAX_FILE_BYTES"])
        for name in names:
            self.add_error(
                "attachments",
                ValidationError(
                    _("“%(name)s”太大，每个文件不能超过 %(max)s。") % {"name": name, "max": limit},
                    code="file_too_large",
                ),
            )


class TrackForm(forms.Form):
    tracking_code = forms.CharField(
        error_messages={"required": _("请填写受理编号。")},
        label=_("受理编号"),
        max_length=32,
        help_text=_("提交投诉后页面上显示、并通过短信或邮件发给您的受理编号。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    mobile_last4 = forms.CharField(
        error_messages={"required": _("请填写手机号码后 4 位。")},
        label=_("手机号码后 4 位"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{4}"}),
    )

    def clean_tracking_code(self):
        # The stored form (upper case, separators dropped): the per-code failure counter must not be
        # dodged by typing the same code as "abc-def…" or "ABC DEF…".
        from complaints.models import normalize_tracking_code

        code = normalize_tracking_code(self.cleaned_data["tracking_code"])
        if not code:
            raise ValidationError(_("请填写受理编号。"), code="required")
        return code

    def clean_mobile_last4(self):
        value = self.cleaned_data["mobile_last4"].strip()
        if not re.fullmatch(r"\d{4}", value):
            raise ValidationError(_("请填写 4 位数字。"), code="invalid")
        return value


class FeedbackForm(forms.Form):
    score = forms.TypedChoiceField(
        error_messages={"required": _("请选择评分。")},
        label=_("您对处理结果满意吗？"),
        coerce=int,
        choices=[
            (5, _("5 分 · 非常满意")),
            (4, _("4 分 · 满意")),
            (3, _("3 分 · 一般")),
            (2, _("2 分 · 不满意")),
            (1, _("1 分 · 非常不满意")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("补充意见"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_comment(self):
        return _clean_text(self.cleaned_data.get("comment", ""))


class ReopenForm(forms.Form):
    reason = forms.CharField(
        error_messages={"required": _("请说明原因。")},
        label=_("您不认可处理结果的原因"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_reason(self):
        value = _clean_text(self.cleaned_data["reason"])
        if not value:
            raise ValidationError(_("请说明原因。"), code="required")
        return value
