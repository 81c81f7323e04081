"""Loan-book import from CSV: an idempotent upsert by contract number, one row at a time.

Each row is validated, then written in its own transaction (borrower + loan + schedule together or
nothing). A row whose loan already exists with the same data is `unchanged`; changed vehicle or
borrower details are `updated`; changed *terms* (principal, rate, fees, term, start date) rebuild
the schedule only while the loan has no payments — with payments the row is refused, because a
schedule that money was allocated against must be changed by a reschedule, not overwritten.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from accounts.models import Branch
from borrowers.choices import MortgageStatus
from borrowers.models import Borrower, Installment, Loan, LoanEvent
from borrowers.services import _money, loan_build_schedule, loan_create, loans_refresh_delinquency
from borrowers.validators import national_id_problem, vin_problem
from common.exceptions import DomainError

REQUIRED = [
    "branch_code", "borrower_name", "national_id", "mobile", "contract_number", "principal", "annual_rate",
    "term_months", "start_date",
]
OPTIONAL = ["email", "address", "alt_phone", "vin", "plate", "vehicle", "fees", "mortgage_status"]
COLUMNS = REQUIRED + OPTIONAL
TERM_FIELDS = ["principal", "annual_rate", "fees", "term_months", "start_date"]
VEHICLE_FIELDS = ["vin", "plate", "vehicle", "mortgage_status"]
BORROWER_FIELDS = ["name", "mobile", "email", "address", "alt_phone"]
logger = logging.getLogger(__name__)
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
PLATE_RE = re.compile(r"^[\u4e00-\u9fff][A-Z][A-Z0-9]{5,6}$")


class RowError(Exception):
    pass


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    loan_ids: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed


def read_csv(raw: bytes) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """Decode (UTF-8 with or without BOM, else GB18030 as saved by Chinese Excel) and parse.

    Returns the header and an iterator of (line number, row) — the line number is the physical line
    the row ends on, as a spreadsheet user would count it (header = line 1)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header

    def rows():
        for row in reader:
            if not any((v or "").strip() for k, v in row.items() if k is not None):
                continue  # blank line
            yield reader.line_num, row

    return header, rows()


def header_problems(header: list[str]) -> list[str]:
    missing = [c for c in REQUIRED if c not in header]
    return [_("缺少列：%(cols)s") % {"cols": ", ".join(missing)}] if missing else []


# --- parsing one row ----------------------------------------------------------------------------


def _text(row: dict, key: str, *, max_length: int, required: bool = False) -> str:
    value = (row.get(key) or "").strip()
    if required and not value:
        raise RowError(_("%(col)s 不能为空") % {"col": key})
    if len(value) > max_length:
        raise RowError(_("%(col)s 超过 %(n)s 个字符") % {"col": key, "n": max_length})
    return value


def _decimal(row: dict, key: str, *, required: bool = True, default: str = "0") -> Decimal:
    raw = (row.get(key) or "").strip().replace(",", "").replace("¥", "").replace("￥", "")
    if not raw:
        if required:
            raise RowError(_("%(col)s 不能为空") % {"col": key})
        raw = default
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise RowError(_("%(col)s 不是数字：%(v)s") % {"col": key, "v": raw})
    if not value.is_finite():
        raise RowError(_("%(col)s 不是数字：%(v)s") % {"col": key, "v": raw})
    return value


def _rate(row: dict) -> Decimal:
    raw = (row.get("annual_rate") or "").strip()
    percent = raw.endswith("%")
    value = _decimal({"annual_rate": raw.rstrip("%")}, "annual_rate")
    if percent:
        value = value / 100
    elif value >= 1:
        raise RowError(_("annual_rate 应写成小数（0.085）或百分数（8.5%%），不是 %(v)s") % {"v": raw})
    if value < 0 or value >= 1:
        raise RowError(_("annual_rate 超出范围：%(v)s") % {"v": raw})
    if value != value.quantize(Decimal("0.000001")):
        raise RowError(_("annual_rate 最多 6 位小数：%(v)s") % {"v": raw})
    return value


def _date(row: dict, key: str) -> date:
    raw = (row.get(key) or "").strip()
    if not raw:
        raise RowError(_("%(col)s 不能为空") % {"col": key})
    for fmt in ("%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise RowError(_("%(col)s 不是有效日期（YYYY-MM-DD）：%(v)s") % {"col": key, "v": raw})


def parse_row(row: dict, branches: dict[str, Branch]) -> dict:
    """Validate one CSV row; return clean values or raise RowError with the (first) reason."""
    code = _text(row, "branch_code", max_length=20, required=True).upper()
    branch = branches.get(code)
    if branch is None:
        raise RowError(_("未知分支机构编码：%(code)s") % {"code": code})
    national_id = _text(row, "national_id", max_length=18, required=True).upper()
    problem = national_id_problem(national_id)
    if problem:
        raise RowError(f"national_id: {problem}")
    mobile = re.sub(r"[\s-]", "", _text(row, "mobile", max_length=20, required=True))
    if mobile.startswith("+86"):
        mobile = mobile[3:]
    if not MOBILE_RE.match(mobile):
        raise RowError(_("mobile 不是有效的手机号：%(v)s") % {"v": mobile})
    alt_phone = re.sub(r"[\s-]", "", _text(row, "alt_phone", max_length=20))
    email = _text(row, "email", max_length=254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise RowError(_("email 格式不正确：%(v)s") % {"v": email})
    vin = _text(row, "vin", max_length=17).upper()
    if vin and (problem := vin_problem(vin)):
        raise RowError(f"vin: {problem}")
    plate = _text(row, "plate", max_length=12).upper().replace(" ", "").replace("·", "")
    if plate and not PLATE_RE.match(plate):
        raise RowError(_("plate 不是有效车牌：%(v)s") % {"v": plate})
    mortgage = _text(row, "mortgage_status", max_length=20) or MortgageStatus.REGISTERED.value
    if mortgage not in MortgageStatus.values:
        raise RowError(_("mortgage_status 只能是 %(choices)s") % {"choices": ", ".join(MortgageStatus.values)})
    principal = _decimal(row, "principal")
    if principal <= 0:
        raise RowError(_("principal 必须大于 0"))
    fees = _decimal(row, "fees", required=False)
    if fees < 0:
        raise RowError(_("fees 不能为负数"))
    term_raw = _text(row, "term_months", max_length=4, required=True)
    if not term_raw.isdigit() or not 1 <= int(term_raw) <= 360:
        raise RowError(_("term_months 应为 1–360 的整数：%(v)s") % {"v": term_raw})
    start = _date(row, "start_date")
    if start.year < 2000 or start.year > date.today().year + 1:
        raise RowError(_("start_date 不合理：%(v)s") % {"v": start})
    return {
        "branch": branch,
        "borrower": {
            "name": _text(row, "borrower_name", max_length=50, required=True),
            "national_id": national_id,
            "mobile": mobile,
            "alt_phone": alt_phone,
            "email": email,
            "address": _text(row, "address", max_length=200),
        },
        "loan": {
            "contract_number": _text(row, "contract_number", max_length=40, required=True),
            "vin": vin,
            "plate": plate,
            "vehicle": _text(row, "vehicle", max_length=100),
            "mortgage_status": mortgage,
            "principal": _money(principal),
            "annual_rate": _rate(row),
            "fees": _money(fees),
            "term_months": int(term_raw),
            "start_date": start,
        },
    }


# --- writing one row ----------------------------------------------------------------------------


@transaction.atomic
def loan_import_row(*, data: dict, actor=None) -> tuple[str, Loan]:
    """Upsert one validated row. Returns ("created" | "updated" | "unchanged", loan)."""
    branch, b, lo = data["branch"], data["borrower"], data["loan"]
    loan = Loan.objects.select_for_update().filter(contract_number=lo["contract_number"]).select_related("borrower").first()
    if loan is not None:
        if loan.borrower.national_id != b["national_id"]:
            raise RowError(_("合同 %(c)s 属于另一位借款人（身份证号不同）") % {"c": lo["contract_number"]})
        if loan.branch_id != branch.pk:
            raise RowError(_("合同 %(c)s 属于分支机构 %(b)s，导入不会在分支机构间转移贷款") % {
                "c": lo["contract_number"], "b": loan.branch.code})
        borrower = loan.borrower
    else:
        borrower = Borrower.objects.filter(branch=branch, national_id=b["national_id"]).order_by("pk").first()

    borrower_changed = False
    if borrower is None:
        borrower = Borrower.objects.create(branch=branch, **b)
    else:
        changes = {k: b[k] for k in BORROWER_FIELDS if b[k] and getattr(borrower, k) != b[k]}
        if changes:
            for k, v in changes.items():
                setattr(borrower, k, v)
            borrower.save(update_fields=[*changes, "updated_at"])
            LoanEvent.objects.create(borrower=borrower, kind="borrower_updated_by_import", actor=actor,
                                     payload={"fields": sorted(changes)})
            borrower_changed = True

    if loan is None:
        terms = {k: lo[k] for k in TERM_FIELDS}
        vehicle = {k: lo[k] for k in VEHICLE_FIELDS}
        loan = loan_create(borrower=borrower, contract_number=lo["contract_number"], branch=branch, actor=actor,
                           **terms, **vehicle)
        return "created", loan

    term_changes = {k: lo[k] for k in TERM_FIELDS if getattr(loan, k) != lo[k]}
    vehicle_changes = {k: lo[k] for k in VEHICLE_FIELDS if lo[k] and getattr(loan, k) != lo[k]}
    if term_changes:
        if loan.payments.exists():
            raise RowError(_("合同 %(c)s 已有还款，不能通过导入修改 %(f)s（请走重排还款计划流程）") % {
                "c": loan.contract_number, "f": ", ".join(sorted(term_changes))})
        current = Installment.objects.filter(loan=loan)
        version = (current.order_by("-version").values_list("version", flat=True).first() or 0) + 1
        current.filter(is_active=True).update(is_active=False)
        for k, v in term_changes.items():
            setattr(loan, k, v)
    for k, v in vehicle_changes.items():
        setattr(loan, k, v)
    if not (term_changes or vehicle_changes):
        return ("updated" if borrower_changed else "unchanged"), loan
    loan.save(update_fields=[*term_changes, *vehicle_changes, "updated_at"])
    if term_changes:
        loan_build_schedule(loan=loan, version=version)
    LoanEvent.objects.create(
        loan=loan, borrower=borrower, kind="loan_updated_by_import", actor=actor,
        payload={"fields": sorted([*term_changes, *vehicle_changes]),
                 "schedule_version": version if term_changes else None},
    )
    return "updated", loan


def loans_import(*, rows: Iterable[tuple[int, dict]], actor=None, on_row=None) -> ImportResult:
    """Import every row; a failed row is reported and skipped, the others go in."""
    branches = {b.code.upper(): b for b in Branch.objects.filter(is_active=True)}
    result = ImportResult()
    seen: dict[str, int] = {}
    for line, row in rows:
        try:
            data = parse_row(row, branches)
            number = data["loan"]["contract_number"]
            if number in seen:
                raise RowError(_("合同号与第 %(line)s 行重复") % {"line": seen[number]})
            seen[number] = line
            outcome, loan = loan_import_row(data=data, actor=actor)
        except (RowError, DomainError) as exc:
            result.failed += 1
            result.errors.append((line, str(exc)))
        except DatabaseError as exc:  # e.g. a concurrent import took the contract number first
            logger.warning("import row %s failed", line, exc_info=True)
            result.failed += 1
            result.errors.append((line, _("数据库错误：%(e)s") % {"e": exc.__class__.__name__}))
        else:
            setattr(result, outcome, getattr(result, outcome) + 1)
            if outcome != "unchanged":
                result.loan_ids.append(loan.pk)
        if on_row:
            on_row()
    if result.loan_ids:
        loans_refresh_delinquency(loan_ids=result.loan_ids, accrue_penalty=False)
    return result
