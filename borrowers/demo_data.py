"""Realistic demo loan book for `manage.py seed_demo`.

Every demo borrower has an index i; everything about it (name, IDs, loans, payment history) is
drawn from a random generator seeded with (seed, i) only, so the data is the same whatever order or
how many runs it takes to create it, and a second run can tell by the contract numbers
(`DEMO-<branch>-<i>-<k>`) which borrowers already exist and only tops up the missing ones.

Payment histories are allocated by `borrowers.services.payment_allocate`, the function
`payment_record` itself uses (penalty → fee → interest → principal, oldest first), in memory and
written in bulk: recording thousands of payments one by one through the service would take
minutes. Before a late payment the penalty the nightly refresh would have accrued by that day is
charged (`penalty_as_of`, the refresh's own formula). `create_loan(..., fast=False)` goes through
`loan_create` and `payment_record` one payment at a time; a test checks both give the same rows.
"""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from borrowers.choices import Bucket, Channel, Language, LoanStatus, MortgageStatus, PaymentChannel, Relation
from borrowers.dates import add_months
from borrowers.models import (
    Borrower,
    EmergencyContact,
    Installment,
    Loan,
    LoanEvent,
    Payment,
    PaymentAllocation,
)
from borrowers.services import (
    loan_create,
    loans_refresh_delinquency,
    payment_allocate,
    payment_record,
    penalty_as_of,
    schedule_compute,
)
from borrowers.validators import national_id_check_digit, vin_check_digit

CONTRACT_PREFIX = "DEMO-"
CONTRACT_RE = re.compile(r"^DEMO-[A-Z]+-(\d+)-\d+$")

# make model, price range (CNY, thousands), VIN world manufacturer id, new-energy (green plate)
VEHICLES = [
    ("比亚迪 秦PLUS DM-i", (100, 150), "LGX", True),
    ("比亚迪 宋PLUS DM-i", (150, 200), "LGX", True),
    ("比亚迪 汉EV", (200, 280), "LGX", True),
    ("大众 朗逸", (100, 150), "LSV", False),
    ("大众 帕萨特", (180, 260), "LSV", False),
    ("大众 速腾", (130, 190), "LFV", False),
    ("丰田 卡罗拉", (110, 150), "LFM", False),
    ("丰田 凯美瑞", (180, 260), "LVG", False),
    ("本田 雅阁", (170, 250), "LHG", False),
    ("本田 思域", (120, 170), "LVH", False),
    ("日产 轩逸", (100, 140), "LGB", False),
    ("吉利 星越L", (140, 200), "L6T", False),
    ("吉利 帝豪", (70, 100), "L6T", False),
    ("长安 CS75 PLUS", (110, 160), "LS5", False),
    ("哈弗 H6", (100, 150), "LGW", False),
    ("别克 英朗", (90, 130), "LSG", False),
    ("特斯拉 Model 3", (230, 300), "LRW", True),
    ("特斯拉 Model Y", (260, 360), "LRW", True),
    ("理想 L7", (320, 380), "LW4", True),
    ("五菱 宏光MINIEV", (50, 70), "LZW", True),
]

CITY = {
    "SH": {
        "prefix": "上海市",
        "districts": ["浦东新区", "徐汇区", "静安区", "闵行区", "宝山区", "杨浦区", "普陀区", "松江区", "嘉定区", "长宁区"],
        "id_areas": ["310115", "310104", "310106", "310112", "310113", "310110", "310107", "310117", "310114", "310105"],
        "plates": "沪", "plate_letters": "ABCDEFGHJKLMN",
    },
    "BJ": {
        "prefix": "北京市",
        "districts": ["朝阳区", "海淀区", "丰台区", "东城区", "西城区", "通州区", "昌平区", "大兴区", "顺义区", "石景山区"],
        "id_areas": ["110105", "110108", "110106", "110101", "110102", "110112", "110114", "110115", "110113", "110107"],
        "plates": "京", "plate_letters": "ABCEFGHJKLMNPQ",
    },
    "GZ": {
        "prefix": "广东省广州市",
        "districts": ["天河区", "越秀区", "海珠区", "白云区", "番禺区", "荔湾区", "黄埔区", "花都区"],
        "id_areas": ["440106", "440104", "440105", "440111", "440113", "440103", "440112", "440114"],
        "plates": "粤", "plate_letters": "A",
    },
}
# borrowers born elsewhere who live in the branch's city (migrants are common among car buyers)
OTHER_ID_AREAS = ["320102", "330106", "340104", "370102", "410105", "420106", "430104", "510107", "610113", "130102"]
ROADS = ["人民路", "中山路", "解放路", "建设路", "长江路", "和平路", "新华路", "光明路", "胜利路", "文化路", "学院路", "滨江大道"]
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
VIN_YEAR = {2019: "K", 2020: "L", 2021: "M", 2022: "N", 2023: "P", 2024: "R", 2025: "S", 2026: "T", 2027: "V"}

# (profile, weight). A profile is the state a loan should end in today.
PROFILES = [("current", 55), ("paid_off", 10), (Bucket.M1.value, 12), (Bucket.M2.value, 8),
            (Bucket.M3.value, 6), (Bucket.M4_PLUS.value, 9)]
# days past due wanted for each delinquent profile
DPD_RANGE = {Bucket.M1.value: (3, 28), Bucket.M2.value: (33, 58), Bucket.M3.value: (63, 88),
             Bucket.M4_PLUS.value: (95, 400)}
FORCED = ["current", Bucket.M1.value, Bucket.M2.value, Bucket.M3.value, Bucket.M4_PLUS.value, "paid_off"]

CENT = Decimal("0.01")


def _money(x) -> Decimal:
    return Decimal(x).quantize(CENT, rounding=ROUND_HALF_UP)


# --- identifiers ----------------------------------------------------------------------------------


def make_national_id(rng: random.Random, area: str, born: date) -> str:
    first17 = f"{area}{born:%Y%m%d}{rng.randint(1, 999):03d}"
    return first17 + national_id_check_digit(first17)


def make_vin(rng: random.Random, wmi: str, year: int) -> str:
    vds = "".join(rng.choice(VIN_CHARS) for _ in range(5))
    serial = f"{rng.randint(0, 999999):06d}"
    draft = f"{wmi}{vds}0{VIN_YEAR.get(year, 'R')}{rng.choice(VIN_CHARS)}{serial}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def make_plate(rng: random.Random, branch_code: str, new_energy: bool) -> str:
    city = CITY[branch_code]
    head = city["plates"] + rng.choice(city["plate_letters"])
    if new_energy:  # 新能源: D (pure electric) or F (hybrid) then 5 digits
        return head + rng.choice("DF") + "".join(rng.choice("0123456789") for _ in range(5))
    return head + "".join(rng.choice(PLATE_CHARS) for _ in range(5))


# --- plan -----------------------------------------------------------------------------------------


@dataclass
class PlannedPayment:
    seq: int  # installment it is meant for
    paid_on: date
    fraction: Decimal = Decimal(1)  # < 1: a partial payment
    round_up_to: int = 0  # > 0: pays a round amount (e.g. 100 yuan) and the rest carries forward


@dataclass
class PlannedLoan:
    contract_number: str
    vehicle: str
    vin: str
    plate: str
    principal: Decimal
    annual_rate: Decimal
    fees: Decimal
    term_months: int
    start_date: date
    profile: str
    mortgage_status: str
    payments: list[PlannedPayment] = field(default_factory=list)


@dataclass
class PlannedBorrower:
    index: int
    branch_code: str
    name: str
    national_id: str
    mobile: str
    alt_phone: str
    email: str
    address: str
    preferred_channel: str
    opted_out_channels: list[str]
    do_not_contact_days: int | None
    language: str
    is_vip: bool
    contacts: list[tuple[str, str, str]]
    loans: list[PlannedLoan]


def _borrower_rng(seed: int, index: int) -> random.Random:
    return random.Random(f"autoloan-demo:{seed}:{index}")


def plan_borrower(*, seed: int, index: int, today: date, faker, branch_codes: list[str]) -> PlannedBorrower:
    rng = _borrower_rng(seed, index)
    faker.seed_instance(rng.getrandbits(32))
    code = branch_codes[index % len(branch_codes)]
    city = CITY[code]
    born = date(rng.randint(1965, 2001), rng.randint(1, 12), rng.randint(1, 28))
    area = rng.choice(city["id_areas"]) if rng.random() < 0.7 else rng.choice(OTHER_ID_AREAS)
    if rng.random() < 0.5:  # the 17th digit's parity is the sex; match the name to it
        name = faker.name_male()
        nid = make_national_id(rng, area, born)
        while int(nid[16]) % 2 == 0:
            nid = make_national_id(rng, area, born)
    else:
        name = faker.name_female()
        nid = make_national_id(rng, area, born)
        while int(nid[16]) % 2 == 1:
            nid = make_national_id(rng, area, born)
    district = rng.choice(city["districts"])
    address = (f"{city['prefix']}{district}{rng.choice(ROADS)}{rng.randint(1, 999)}号"
               f"{rng.randint(1, 30)}栋{rng.randint(1, 28)}{rng.randint(1, 4):02d}室")
    opted_out = []
    roll = rng.random()
    if roll < 0.06:
        opted_out = [Channel.SMS.value]
    elif roll < 0.09:
        opted_out = [Channel.PHONE.value, Channel.WECHAT.value]
    relations = [Relation.SPOUSE, Relation.PARENT, Relation.SIBLING, Relation.FRIEND, Relation.COLLEAGUE]
    contacts = [(faker.name(), rng.choice(relations).value, faker.phone_number()) for _ in range(rng.choice([1, 1, 2]))]
    # the first few borrowers cover every bucket however small N is
    n_loans = 2 if rng.random() < 0.12 else 1
    loans = []
    for k in range(1, n_loans + 1):
        if index < len(FORCED) and k == 1:
            profile = FORCED[index]
        else:
            profile = rng.choices([p for p, _w in PROFILES], weights=[w for _p, w in PROFILES])[0]
        loans.append(_plan_loan(rng, code, index, k, profile, today))
    return PlannedBorrower(
        index=index,
        branch_code=code,
        name=name,
        national_id=nid,
        mobile=faker.phone_number(),
        alt_phone=faker.phone_number() if rng.random() < 0.25 else "",
        email=faker.free_email() if rng.random() < 0.6 else "",
        address=address,
        preferred_channel=rng.choices(
            [Channel.PHONE.value, Channel.SMS.value, Channel.WECHAT.value, Channel.EMAIL.value], weights=[50, 25, 20, 5]
        )[0],
        opted_out_channels=opted_out,
        do_not_contact_days=rng.randint(3, 20) if rng.random() < 0.03 else None,
        language=Language.EN.value if rng.random() < 0.03 else Language.ZH_HANS.value,
        is_vip=rng.random() < 0.06,
        contacts=contacts,
        loans=loans,
    )


def _plan_loan(rng: random.Random, code: str, index: int, k: int, profile: str, today: date) -> PlannedLoan:
    vehicle, (low, high), wmi, green = rng.choice(VEHICLES)
    price = Decimal(rng.randint(low, high) * 1000)
    financed = (price * Decimal(str(round(rng.uniform(0.5, 0.85), 2))) / 100).to_integral_value() * 100
    principal = min(max(financed, Decimal(50000)), Decimal(300000))
    annual_rate = Decimal(rng.randint(400, 1500)) / Decimal(10000)  # 4.00 % – 15.00 %
    fees = Decimal(0) if rng.random() < 0.4 else _money(principal * Decimal(rng.choice([1, 1.5, 2, 3])) / 100)

    if profile == "paid_off":
        term = rng.choice([12, 24])
        start = today - timedelta(days=term * 31 + rng.randint(5, 36 * 30 - term * 31))
    elif profile == "current":
        term = rng.choice([12, 24, 36, 36, 48, 60])
        start = today - timedelta(days=rng.randint(10, min(term * 30 - 20, 3 * 365)))
    else:
        lo, hi = DPD_RANGE[profile]
        term = rng.choice([24, 36, 36, 48, 60])
        # old enough that an installment fell due the wanted number of days ago
        start = today - timedelta(days=rng.randint(hi + 45, min(term * 30 - 20, 3 * 365)))
    due = [add_months(start, s) for s in range(1, term + 1)]

    payments = []
    if profile == "paid_off":
        for s, d in enumerate(due, 1):
            payments.append(PlannedPayment(seq=s, paid_on=d - timedelta(days=rng.randint(0, 3))))
    elif profile == "current":
        for s, d in enumerate(due, 1):
            if d >= today:
                break
            late = rng.randint(1, 12) if rng.random() < 0.12 else 0
            paid_on = min(d + timedelta(days=late) if late else d - timedelta(days=rng.randint(0, 3)), today)
            payments.append(PlannedPayment(seq=s, paid_on=paid_on, round_up_to=100 if rng.random() < 0.1 else 0))
    else:
        lo, hi = DPD_RANGE[profile]
        # the first installment left unpaid is the one that fell due lo..hi days ago
        candidates = [s for s, d in enumerate(due, 1) if lo <= (today - d).days <= hi]
        first_unpaid = rng.choice(candidates) if candidates else None
        if first_unpaid is None:  # no due date in the window (short Feb gap): settle for the nearest
            first_unpaid = max((s for s, d in enumerate(due, 1) if (today - d).days >= lo), default=1)
        for s in range(1, first_unpaid):
            d = due[s - 1]
            late = rng.randint(1, 20) if rng.random() < 0.3 else 0
            payments.append(PlannedPayment(seq=s, paid_on=d + timedelta(days=late) if late else d))
        if rng.random() < 0.35:  # a part payment on the oldest unpaid installment
            d = due[first_unpaid - 1]
            paid_on = min(d + timedelta(days=rng.randint(1, 10)), today - timedelta(days=1))
            if paid_on > d:
                payments.append(PlannedPayment(seq=first_unpaid, paid_on=paid_on,
                                               fraction=Decimal(rng.choice(["0.3", "0.5"]))))

    if profile == "paid_off":
        mortgage = rng.choice([MortgageStatus.RELEASED, MortgageStatus.RELEASED, MortgageStatus.RELEASE_REQUESTED])
    elif (today - start).days < 30:
        mortgage = MortgageStatus.PENDING
    else:
        mortgage = MortgageStatus.REGISTERED
    return PlannedLoan(
        contract_number=f"{CONTRACT_PREFIX}{code}-{index:05d}-{k}",
        vehicle=vehicle,
        vin=make_vin(rng, wmi, min(max(start.year, 2019), 2027)),
        plate=make_plate(rng, code, green),
        principal=principal,
        annual_rate=annual_rate,
        fees=fees,
        term_months=term,
        start_date=start,
        profile=profile,
        mortgage_status=mortgage.value,
        payments=payments,
    )


# --- writing --------------------------------------------------------------------------------------


def existing_demo_indexes() -> set[int]:
    found = set()
    for number in Loan.objects.filter(contract_number__startswith=CONTRACT_PREFIX).values_list("contract_number", flat=True):
        m = CONTRACT_RE.match(number)
        if m:
            found.add(int(m.group(1)))
    return found


@transaction.atomic
def create_borrower(plan: PlannedBorrower, *, branches, managers, today: date, fast: bool = True) -> Borrower:
    """One borrower with contacts, loans and payment history, all or nothing."""
    tz = timezone.get_current_timezone()
    branch = branches[plan.branch_code]
    borrower = Borrower.objects.create(
        branch=branch,
        name=plan.name,
        national_id=plan.national_id,
        mobile=plan.mobile,
        alt_phone=plan.alt_phone,
        email=plan.email,
        address=plan.address,
        preferred_channel=plan.preferred_channel,
        opted_out_channels=plan.opted_out_channels,
        do_not_contact_until=(
            timezone.make_aware(datetime.combine(today + timedelta(days=plan.do_not_contact_days), time(0)), tz)
            if plan.do_not_contact_days else None
        ),
        language=plan.language,
        is_vip=plan.is_vip,
        dedicated_manager=managers.get(plan.branch_code) if plan.is_vip else None,
    )
    EmergencyContact.objects.bulk_create(
        [EmergencyContact(borrower=borrower, name=n, relation=r, phone=p) for n, r, p in plan.contacts]
    )
    for pl in plan.loans:
        create_loan(borrower, pl, tz, fast=fast)
    return borrower


def create_loan(borrower: Borrower, pl: PlannedLoan, tz, *, fast: bool = True) -> Loan:
    terms = {"contract_number": pl.contract_number, "principal": pl.principal, "annual_rate": pl.annual_rate,
             "term_months": pl.term_months, "start_date": pl.start_date, "fees": pl.fees, "vin": pl.vin,
             "plate": pl.plate, "vehicle": pl.vehicle, "mortgage_status": pl.mortgage_status}
    if not fast:
        loan = loan_create(borrower=borrower, **terms)
        _replay_via_services(loan, pl, tz)
        return loan
    # Same rows as loan_create + payment_record, built in memory and inserted once.
    loan = Loan.objects.create(borrower=borrower, branch=borrower.branch, **terms)
    booked_at = timezone.make_aware(datetime.combine(pl.start_date, time(10)), tz)
    LoanEvent.objects.create(loan=loan, borrower=borrower, kind="loan_created", created_at=booked_at,
                             payload={"contract_number": pl.contract_number})
    insts = [
        Installment(loan=loan, seq=row.seq, due_date=row.due_date, principal_due=row.principal,
                    interest_due=row.interest, fee_due=row.fee)
        for row in schedule_compute(principal=pl.principal, annual_rate=pl.annual_rate, term_months=pl.term_months,
                                    start_date=pl.start_date, fees=pl.fees)
    ]
    _replay_in_memory(loan, insts, pl, tz)
    return loan


def _payment_amount(inst: Installment | None, p: PlannedPayment) -> Decimal:
    owed = inst.total_outstanding if inst is not None and not inst.settled else Decimal(0)
    if owed <= 0:
        return Decimal(0)  # an earlier round-up already paid it
    amount = _money(owed * p.fraction)
    if p.round_up_to:
        amount = (amount / p.round_up_to).to_integral_value(rounding="ROUND_CEILING") * p.round_up_to
    return amount


def _payment_meta(plan: PlannedLoan, n: int, p: PlannedPayment, tz) -> tuple[datetime, str, str]:
    salt = zlib.crc32(f"{plan.contract_number}-{n}".encode())
    paid_at = timezone.make_aware(datetime.combine(p.paid_on, time(8, 30)) + timedelta(minutes=salt % 660), tz)
    channel = [c.value for c in PaymentChannel][salt % 4]
    return min(paid_at, timezone.now()), channel, f"{plan.contract_number}-P{n:03d}"


def _replay_in_memory(loan: Loan, insts: list[Installment], plan: PlannedLoan, tz) -> None:
    rate = Decimal(str(settings.CRM["PENALTY_DAILY_RATE"]))
    by_seq = {i.seq: i for i in insts}
    payments, parts_by_payment, unapplied = [], [], Decimal(0)
    for n, p in enumerate(plan.payments, 1):
        if p.paid_on > by_seq[p.seq].due_date and rate > 0:
            for inst in insts:
                inst.penalty_due = penalty_as_of(installment=inst, today=p.paid_on, rate=rate)
        amount = _payment_amount(by_seq[p.seq], p)
        if amount <= 0:
            continue
        paid_at, channel, ref = _payment_meta(plan, n, p, tz)
        parts, remaining = payment_allocate(installments=[i for i in insts if not i.settled], amount=amount,
                                            paid_at=paid_at)
        payments.append(Payment(loan=loan, amount=amount, paid_at=paid_at, channel=channel, external_ref=ref,
                                unapplied_amount=remaining))
        parts_by_payment.append(parts)
        unapplied += remaining
    Installment.objects.bulk_create(insts)
    Payment.objects.bulk_create(payments)
    PaymentAllocation.objects.bulk_create(
        [PaymentAllocation(payment=pay, installment=inst, component=c, amount=a)
         for pay, parts in zip(payments, parts_by_payment, strict=True) for inst, c, a in parts]
    )
    LoanEvent.objects.bulk_create(
        [LoanEvent(loan=loan, borrower_id=loan.borrower_id, kind="payment_recorded", created_at=pay.paid_at,
                   payload={"amount": str(pay.amount), "external_ref": pay.external_ref,
                            "unapplied": str(pay.unapplied_amount), "channel": pay.channel, "payment_id": pay.pk})
         for pay in payments]
    )
    if unapplied:
        Loan.objects.filter(pk=loan.pk).update(unapplied_amount=F("unapplied_amount") + unapplied)
    if all(i.settled for i in insts):
        Loan.objects.filter(pk=loan.pk, status=LoanStatus.ACTIVE).update(status=LoanStatus.PAID_OFF)


def _replay_via_services(loan: Loan, plan: PlannedLoan, tz) -> None:
    due_by_seq = dict(Installment.objects.filter(loan=loan, is_active=True).values_list("seq", "due_date"))
    for n, p in enumerate(plan.payments, 1):
        if p.paid_on > due_by_seq[p.seq]:
            loans_refresh_delinquency(today=p.paid_on, loan_ids=[loan.pk])
        amount = _payment_amount(Installment.objects.filter(loan=loan, is_active=True, seq=p.seq).first(), p)
        if amount <= 0:
            continue
        paid_at, channel, ref = _payment_meta(plan, n, p, tz)
        payment_record(loan=loan, amount=amount, paid_at=paid_at, external_ref=ref, channel=channel)
