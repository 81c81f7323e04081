from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from borrowers.choices import Bucket
from debt_collection import sms
from debt_collection.choices import (
    ArrangementKind,
    CaseState,
    ContactChannel,
    ContactOutcome,
    ContactTarget,
    HoldReason,
)


class QueueFilterForm(forms.Form):
    bucket = forms.ChoiceField(label=_("逾期阶段"), required=False, choices=[("", _("全部"))] + [
        (b.value, b.label) for b in Bucket if b != Bucket.CURRENT])
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部未结案"))] + list(CaseState.choices))
    assigned = forms.ChoiceField(
        label=_("分配"),
        required=False,
        choices=[("", _("全部")), ("me", _("我的")), ("unassigned", _("未分配"))],
    )


class _CaseForm(forms.Form):
    expected_state = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, case=None, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)
        if case is not None and not self.is_bound:
            self.fields["expected_state"].initial = case.state


class ContactLogForm(_CaseForm):
    channel = forms.ChoiceField(label=_("联系方式"), choices=ContactChannel.choices)
    target = forms.ChoiceField(label=_("联系对象"), choices=ContactTarget.choices, initial=ContactTarget.BORROWER)
    emergency_contact = forms.ModelChoiceField(label=_("紧急联系人"), queryset=None, required=False)
    outcome = forms.ChoiceField(label=_("结果"), choices=ContactOutcome.choices)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    recording = forms.FileField(label=_("通话录音"), required=False, help_text=_("mp3 / wav / m4a / amr，最大 50 MB"))
    recording_ref = forms.CharField(label=_("录音编号"), required=False, max_length=120,
                                    help_text=_("呼叫中心系统里的录音编号（二选一）"))
    visit_staff = forms.ModelMultipleChoiceField(label=_("外访人员"), queryset=None, required=False,
                                                 help_text=_("上门外访至少两人"))
    occurred_at = forms.DateTimeField(label=_("联系时间"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                      help_text=_("借款人所在地时间；留空为现在"))
    promise_amount = forms.DecimalField(label=_("承诺金额"), required=False, min_value=Decimal("0.01"), max_digits=14, decimal_places=2)
    promise_date = forms.DateField(label=_("承诺还款日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["emergency_contact"].queryset = case.borrower.emergency_contacts.all()
        self.fields["emergency_contact"].label_from_instance = lambda c: f"{c.name}（{c.get_relation_display()}）{c.phone_masked}"
        self.fields["visit_staff"].queryset = get_user_model().objects.filter(
            branch_id=case.branch_id, is_active=True
        ).order_by("username")

    def clean(self):
        data = super().clean()
        if data.get("target") == ContactTarget.EMERGENCY_CONTACT and not data.get("emergency_contact"):
            self.add_error("emergency_contact", _("请选择紧急联系人。"))
        if data.get("outcome") == ContactOutcome.PROMISE:
            if not data.get("promise_amount"):
                self.add_error("promise_amount", _("结果为承诺还款时请填写承诺金额。"))
            if not data.get("promise_date"):
                self.add_error("promise_date", _("结果为承诺还款时请填写承诺还款日。"))
        return data


class SmsForm(_CaseForm):
    template = forms.ChoiceField(label=_("短信模板"), choices=[(t.code, t.label) for t in sms.TEMPLATES.values()])
    emergency_contact = forms.ModelChoiceField(label=_("发给紧急联系人"), queryset=None, required=False,
                                               help_text=_("留空发给借款人"))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["emergency_contact"].queryset = case.borrower.emergency_contacts.all()
        self.fields["emergency_contact"].label_from_instance = lambda c: f"{c.name}（{c.get_relation_display()}）"


class PromiseForm(_CaseForm):
    amount = forms.DecimalField(label=_("承诺金额"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2)
    promised_date = forms.DateField(label=_("承诺还款日"), widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("备注"), required=False, max_length=300)


class ArrangementForm(_CaseForm):
    kind = forms.ChoiceField(label=_("类型"), choices=ArrangementKind.choices)
    new_term_months = forms.IntegerField(label=_("新期数（重组）"), required=False, min_value=1, max_value=120)
    new_annual_rate = forms.DecimalField(label=_("新年利率（重组，可选）"), required=False, min_value=Decimal("0"), max_digits=7,
                                         decimal_places=6, help_text=_("如 0.06 表示 6%"))
    extension_months = forms.IntegerField(label=_("展期月数"), required=False, min_value=1, max_value=120)
    waiver_amount = forms.DecimalField(label=_("减免罚息金额"), required=False, min_value=Decimal("0.01"), max_digits=14, decimal_places=2)
    settlement_amount = forms.DecimalField(label=_("和解金额"), required=False, min_value=Decimal("0.01"), max_digits=14, decimal_places=2)
    first_due_date = forms.DateField(label=_("首期/和解还款日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {k: d.get(k) for k in ("kind", "new_term_months", "new_annual_rate", "extension_months", "waiver_amount",
                                      "settlement_amount", "first_due_date")}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("批准")), ("reject", _("驳回"))])
    note = forms.CharField(label=_("审批意见"), required=False, max_length=300)


class HoldForm(_CaseForm):
    reason = forms.ChoiceField(label=_("暂停原因"), choices=[(c, label) for c, label in HoldReason.choices if c != "complaint"])
    note = forms.CharField(label=_("说明"), required=False, max_length=300)


class NoteForm(_CaseForm):
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class EnforcementForm(_CaseForm):
    agency_name = forms.CharField(label=_("律所/处置机构"), max_length=100)
    reference = forms.CharField(label=_("案号/委托编号"), required=False, max_length=64)
    started_on = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    mortgage_registration = forms.CharField(label=_("抵押登记号"), required=False, max_length=64)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class AssignForm(_CaseForm):
    assigned_to = forms.ModelChoiceField(label=_("催收员"), queryset=None)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["assigned_to"].queryset = get_user_model().objects.filter(
            branch_id=case.branch_id, role="collector", is_active=True
        ).order_by("username")


class AgencyForm(_CaseForm):
    agency = forms.ModelChoiceField(label=_("委外机构"), queryset=None, required=False, help_text=_("留空表示收回内部"))

    def __init__(self, *args, case, agencies, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["agency"].queryset = agencies


class CallbackForm(_CaseForm):
    at = forms.DateTimeField(label=_("回电时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                             help_text=_("借款人所在地时间"))
