"""Complaint categories in the borrower's words, mapped onto the staff categories."""

from django.utils.translation import gettext_lazy as _

# (complaints.choices.Category value, plain words a borrower recognises)
PUBLIC_CHOICES = [
    ("overdue_repayment", _("还款、扣款或逾期问题")),
    ("interest_fees", _("利息、罚息或收费不合理")),
    ("service_experience", _("服务态度差，或客户经理联系不上")),
    ("collection_conduct", _("催收方式不当（骚扰、威胁、联系我的家人朋友）")),
    ("privacy_data", _("个人信息被泄露或滥用")),
    ("vehicle_mortgage", _("车辆、抵押登记或解押问题")),
    ("other", _("其他问题")),
]
