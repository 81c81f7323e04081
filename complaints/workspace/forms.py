"""Forms of the staff workspace. Every action form carries the complaint `version` the user saw, so a
stale page (someone else acted first) is refused with a conflict instead of overwriting their work."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Branch
from complaints.choices import (
    Category,
    ComplaintChannel,
    Priority,
    RejectReason,
    ReplyChannel,
    RootCause,
    State,
)

QUEUE_VIEW_CHOICES = [
    ("mine", _("我的投诉")),
    ("unassigned", _("待分派")),
    ("team", _("本组")),
    ("breaching", _("即将超时")),
    ("escalated", _("升级给我")),
]


ALL = _("全部")


def _blank(choices, label=ALL):
    return [("", label), *choices]


class QueueFilterForm(forms.Form):
    view = forms.ChoiceField(label=_("视图"), choices=QUEUE_VIEW_CHOICES, required=False)
    q = forms.CharField(
        label=_("搜索"), required=False, max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("受理编号 / 姓名 / 手机号 / 合同号 / 车牌"), "data-shortcut": "/"}),
    )
    state = forms.ChoiceField(label=_("状态"), choices=_blank(State.choices), required=False)
    category = forms.ChoiceField(label=_("类别"), choices=_blank(Category.choices), required=False)
    priority = forms.ChoiceField(label=_("优先级"), choices=_blank(Priority.choices), required=False)
    channel = forms.ChoiceField(label=_("来源渠道"), choices=_blank(ComplaintChannel.choices), required=False)
    branch = forms.ModelChoiceField(label=_("分支机构"), queryset=Branch.objects.none(), required=False, empty_label=_("全部"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.sees_all_branches:
            self.fields["branch"].queryset = Branch.objects.filter(is_active=True).order_by("code")
        else:
            del self.fields["branch"]


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class ClassifyForm(VersionedForm):
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    priority = forms.ChoiceField(label=_("优先级"), choices=Priority.choices, initial=Priority.NORMAL)


class ReplyForm(VersionedForm):
    channel = forms.ChoiceField(label=_("方式"), choices=ReplyChannel.choices, initial=ReplyChannel.SMS)
    body = forms.CharField(
        label=_("答复内容"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "data-shortcut": "r", "id": "id_reply_body"}),
        help_text=_("客户会收到此内容，并在查询页看到。"),
    )


class NoteForm(VersionedForm):
    body = forms.CharField(
        label=_("内部备注"), max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "data-shortcut": "n", "id": "id_note_body"}),
        help_text=_("仅员工可见。"),
    )


class AssignForm(VersionedForm):
    assignee = forms.ModelChoiceField(label=_("处理人"), queryset=None, empty_label=None)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees


class ResolveForm(VersionedForm):
    resolution_summary = forms.CharField(label=_("处理结果"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    # optional at the field level so the blank choice gets our message, not the generic "required"
    root_cause = forms.ChoiceField(label=_("根因"), choices=_blank(RootCause.choices, _("请选择")), required=False)

    def clean_root_cause(self):
        value = self.cleaned_data["root_cause"]
        if not value:
            raise forms.ValidationError(_("请选择根因。"))
        return value


class WaitForm(VersionedForm):
    reason = forms.CharField(label=_("需要客户提供什么"), max_length=1000)
    message = forms.CharField(
        label=_("发给客户的消息（可选）"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    channel = forms.ChoiceField(label=_("方式"), choices=_blank(ReplyChannel.choices, _("按客户首选")), required=False)


class ReopenForm(VersionedForm):
    reason = forms.CharField(label=_("客户不同意的原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(VersionedForm):
    reason = forms.ChoiceField(label=_("不予受理原因"), choices=RejectReason.choices)
    note = forms.CharField(label=_("说明"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SimpleTransitionForm(VersionedForm):
    note = forms.CharField(label=_("说明"), max_length=1000, required=False)


class ExtendForm(VersionedForm):
    days = forms.IntegerField(label=_("延长天数"), min_value=1)
    reason = forms.CharField(label=_("延长原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the regulator allows one extension of at most N days; the number is a setting
        limit = int(settings.CRM.get("REGULATORY_EXTENSION_MAX_DAYS", 15))
        self.fields["days"] = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=limit, initial=limit)


class MergeForm(VersionedForm):
    target = forms.CharField(
        label=_("合并至（主投诉受理编号）"), max_length=20,
        widget=forms.TextInput(attrs={"list": "merge-candidates", "autocomplete": "off"}),
    )


class AcknowledgeForm(forms.Form):
    escalation = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(label=_("说明"), max_length=1000, required=False)


class BulkReassignForm(forms.Form):
    complaints = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple, label=_("投诉"))
    assignee = forms.ModelChoiceField(label=_("分派给"), queryset=None, empty_label=None)

    def __init__(self, *args, complaints, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["complaints"].queryset = complaints
        self.fields["assignee"].queryset = assignees
