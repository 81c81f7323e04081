"""Collection SMS templates. Templates for emergency contacts (third parties) never mention the
debt, an amount or the loan: they only ask the borrower to call back."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class SmsTemplate:
    code: str
    label: str
    for_third_party: bool


TEMPLATES = {
    t.code: t
    for t in (
        SmsTemplate("overdue_notice", gettext_lazy("逾期还款通知（借款人）"), False),
        SmsTemplate("callback_request", gettext_lazy("请回电（借款人，不含金额）"), False),
        SmsTemplate("third_party_callback", gettext_lazy("请转告回电（紧急联系人，不提及债务）"), True),
    )
}


def templates_for(*, third_party: bool) -> list[SmsTemplate]:
    return [t for t in TEMPLATES.values() if t.for_third_party == third_party]


def render(*, code: str, case, emergency_contact=None, opt_out_notice: bool = False) -> str:
    """The message text in the borrower's language."""
    borrower = case.borrower
    branch = case.branch
    phone = branch.phone or ""
    with translation.override(borrower.language or "zh-hans"):
        if code == "overdue_notice":
            body = _(
                "%(name)s您好：您的车贷合同 %(contract)s 已逾期 %(days)s 天，逾期金额 %(amount)s 元，请尽快还款。"
                "如有疑问请致电 %(phone)s。"
            ) % {
                "name": borrower.name,
                "contract": case.loan.contract_number,
                "days": case.days_past_due,
                "amount": case.amount_due,
                "phone": phone,
            }
        elif code == "callback_request":
            body = _("%(name)s您好：我们有重要事项需要与您联系，请致电 %(phone)s。") % {"name": borrower.name, "phone": phone}
        elif code == "third_party_callback":
            # third party: no amount, no loan, no word about a debt
            body = _("您好：我们有事需要联系%(name)s，麻烦您转告其致电 %(phone)s，谢谢。") % {
                "name": borrower.name,
                "phone": phone,
            }
        else:
            raise ValueError(code)
        if opt_out_notice:
            body += " " + _("回复 TD 退订。")
    return f"【{branch.name}】{body}"
