"""factory-boy factories shared by every app's tests."""

from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Branch, User
from borrowers.models import Borrower, EmergencyContact, Loan

DEMO_PASSWORD = "demo-pass-2026"


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"BR{n:03d}")
    name = factory.LazyAttribute(lambda o: f"{o.code} 分公司")
    time_zone = "Asia/Shanghai"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = "agent"
    branch = factory.SubFactory(BranchFactory)
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", DEMO_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class BorrowerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Borrower

    branch = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"张{'三四五六七八九'[n % 7]}{n}")
    national_id = factory.Sequence(lambda n: f"110101199001{n % 100:02d}{n:04d}"[:18])
    mobile = factory.Sequence(lambda n: f"138{n:08d}")
    email = factory.Sequence(lambda n: f"borrower{n}@example.com")
    address = "上海市浦东新区世纪大道100号"


class EmergencyContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmergencyContact

    borrower = factory.SubFactory(BorrowerFactory)
    name = "李四"
    relation = "spouse"
    phone = factory.Sequence(lambda n: f"139{n:08d}")


def make_loan(
    *,
    borrower=None,
    principal="120000.00",
    annual_rate="0.0600",
    term_months=12,
    start_date=date(2026, 1, 15),
    fees="0.00",
    contract_number=None,
    **extra,
) -> Loan:
    """A loan with its schedule, through the real service."""
    from borrowers.services import loan_create

    borrower = borrower or BorrowerFactory()
    contract_number = contract_number or f"HT{Loan.objects.count() + 1:06d}-{borrower.pk}"
    return loan_create(
        borrower=borrower,
        contract_number=contract_number,
        principal=Decimal(principal),
        annual_rate=Decimal(annual_rate),
        term_months=term_months,
        start_date=start_date,
        fees=Decimal(fees),
        plate=extra.pop("plate", f"沪A{borrower.pk:05d}"),
        vin=extra.pop("vin", f"LSVAA2180E{borrower.pk:07d}"[:17]),
        vehicle=extra.pop("vehicle", "大众 朗逸"),
        **extra,
    )


def aware(*args) -> timezone.datetime:
    """A time in the project's time zone: aware(2026, 3, 1, 10, 0)."""
    return timezone.make_aware(timezone.datetime(*args))


def make_complaint(*, branch=None, actor=None, **kwargs):
    """A complaint in intake through the real service (clocks, timeline, acknowledgement).

    Pass `loan=` or `borrower=` to link it (the branch follows), or `branch=`; a branch is made otherwise.
    """
    from complaints.services import complaint_create

    if branch is None and "loan" not in kwargs and "borrower" not in kwargs:
        branch = BranchFactory()
    kwargs.setdefault("complainant_name", "王先生")
    kwargs.setdefault("complainant_mobile", "13912345678")
    kwargs.setdefault("description", "客户经理一直联系不上，解押手续拖了两个月。")
    return complaint_create(branch=branch, actor=actor, **kwargs)
