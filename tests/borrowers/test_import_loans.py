"""import_loans: idempotent upsert by contract number, row-level errors, nothing half-imported."""

import io
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from borrowers.models import Borrower, Installment, Loan, LoanEvent
from borrowers.services import payment_record
from common.exceptions import DomainError
from tests.factories import aware

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "loans.csv"
HEADER = ("branch_code,borrower_name,national_id,mobile,email,address,contract_number,vin,plate,vehicle,"
          "principal,annual_rate,fees,term_months,start_date\n")
GOOD = "SH,王建国,310115198803124525,13812345678,,上海市浦东新区世纪大道100号,HT-1,LSVAA2186N2123456,沪A3K8L2,大众 朗逸,120000,0.06,0,12,2026-01-15\n"


@pytest.fixture
def branches(branch, other_branch):
    from tests.factories import BranchFactory

    BranchFactory(code="GZ", name="广州分公司")
    return branch, other_branch


def run(tmp_path, text, encoding="utf-8", **opts):
    path = tmp_path / "loans.csv"
    path.write_bytes(text.encode(encoding))
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_loans", str(path), no_progress=True, stdout=out, stderr=err, **opts)
        code = 0
    except CommandError as exc:
        code = exc.returncode
        err.write(str(exc))
    return code, out.getvalue(), err.getvalue()


def test_example_file_imports_and_a_second_run_changes_nothing(branches, tmp_path):
    code, out, _err = run(tmp_path, EXAMPLE.read_text(encoding="utf-8"))
    assert code == 0
    assert "4 rows: 4 created, 0 updated, 0 unchanged, 0 failed" in out
    bj = Loan.objects.get(contract_number="HT2026BJ000102")
    assert bj.annual_rate == D("0.075") and bj.start_date == date(2026, 5, 20)  # 7.5 % and 2026/05/20
    gz = Loan.objects.get(contract_number="HT2025GZ000103")
    assert gz.principal == D("210000.00") and gz.branch.code == "GZ"
    assert gz.installments.current().count() == 60
    assert sum(i.principal_due for i in gz.installments.current()) == D("210000.00")

    code, out, _err = run(tmp_path, EXAMPLE.read_text(encoding="utf-8"))
    assert code == 0 and "0 created, 0 updated, 4 unchanged, 0 failed" in out
    assert Loan.objects.count() == 4 and Borrower.objects.count() == 4
    assert Installment.objects.count() == 36 + 24 + 60 + 48


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (GOOD.replace("310115198803124525", "310115198803124526"), "校验位"),
        (GOOD.replace("2026-01-15", "2026-02-30"), "start_date"),
        (GOOD.replace(",120000,", ",-5,"), "principal"),
        (GOOD.replace("SH,", "SZ,", 1), "SZ"),
        (GOOD.replace(",0.06,", ",6,"), "annual_rate"),
        (GOOD.replace(",12,2026", ",twelve,2026"), "term_months"),
        (GOOD.replace("13812345678", "1381234"), "mobile"),
        (GOOD.replace("LSVAA2186N2123456", "LSVAA2186N21234"), "vin"),
        (GOOD.replace(",0,12,", ",-1,12,"), "fees"),
    ],
)
def test_a_bad_row_is_reported_with_its_line_and_reason_and_the_rest_imports(branches, tmp_path, row, reason):
    other = GOOD.replace("HT-1", "HT-2").replace("310115198803124525", "110108199207153016")
    code, out, err = run(tmp_path, HEADER + other + row)
    assert code == 2
    assert "1 created, 0 updated, 0 unchanged, 1 failed" in out
    line = next(ln for ln in err.splitlines() if ln.startswith("line "))
    assert line.startswith("line 3:") and reason in line
    assert list(Loan.objects.values_list("contract_number", flat=True)) == ["HT-2"]
    assert Borrower.objects.count() == 1


def test_nothing_is_half_imported_from_a_row(branches, tmp_path, monkeypatch):
    def broken_loan_create(**kwargs):
        raise DomainError("schedule failed")

    monkeypatch.setattr("borrowers.importing.loan_create", broken_loan_create)
    code, _out, err = run(tmp_path, HEADER + GOOD)
    assert code == 2 and "line 2: schedule failed" in err
    assert not Borrower.objects.exists()  # the borrower created before the failure was rolled back


def test_changed_terms_rebuild_the_schedule_only_while_there_are_no_payments(branches, tmp_path):
    assert run(tmp_path, HEADER + GOOD)[0] == 0
    loan = Loan.objects.get(contract_number="HT-1")

    code, out, _ = run(tmp_path, HEADER + GOOD.replace(",12,2026", ",24,2026"))
    assert code == 0 and "1 updated" in out
    loan.refresh_from_db()
    assert loan.term_months == 24
    assert loan.installments.current().count() == 24
    assert loan.installments.filter(is_active=False).count() == 12  # the old version kept on record
    assert LoanEvent.objects.filter(loan=loan, kind="loan_updated_by_import").exists()

    payment_record(loan=loan, amount=D("500"), paid_at=aware(2026, 2, 10, 9), external_ref="P-1")
    code, out, err = run(tmp_path, HEADER + GOOD.replace(",12,2026", ",36,2026").replace(",120000,", ",130000,"))
    assert code == 2 and "1 failed" in out
    assert "line 2:" in err and "已有还款" in err and "principal" in err and "term_months" in err
    loan.refresh_from_db()
    assert (loan.term_months, loan.principal) == (24, D("120000.00"))
    assert loan.installments.current().count() == 24


def test_vehicle_and_contact_changes_update_in_place(branches, tmp_path):
    run(tmp_path, HEADER + GOOD)
    code, out, _ = run(tmp_path, HEADER + GOOD.replace("沪A3K8L2", "沪B99999").replace("13812345678", "13900000000"))
    assert code == 0 and "1 updated" in out
    loan = Loan.objects.select_related("borrower").get(contract_number="HT-1")
    assert loan.plate == "沪B99999" and loan.borrower.mobile == "13900000000"
    assert Borrower.objects.count() == 1


def test_a_contract_number_of_another_borrower_or_repeated_in_the_file_fails(branches, tmp_path):
    run(tmp_path, HEADER + GOOD)
    stranger = GOOD.replace("310115198803124525", "110108199207153016")
    code, _out, err = run(tmp_path, HEADER + stranger)
    assert code == 2 and "line 2:" in err and "另一位借款人" in err
    code, out, err = run(tmp_path, HEADER + GOOD + GOOD.replace("沪A3K8L2", "沪B99999"))
    assert code == 2 and "1 unchanged, 1 failed" in out
    assert "line 3: 合同号与第 2 行重复" in err
    assert Loan.objects.get().plate == "沪A3K8L2"


def test_gb18030_files_from_chinese_excel_are_read(branches, tmp_path):
    code, out, _ = run(tmp_path, HEADER + GOOD, encoding="gb18030")
    assert code == 0 and "1 created" in out
    assert Borrower.objects.get().name == "王建国"


def test_missing_columns_and_dry_run(branches, tmp_path):
    code, _out, err = run(tmp_path, "branch_code,borrower_name\nSH,王\n")
    assert code == 1 and "national_id" in err
    code, out, _ = run(tmp_path, HEADER + GOOD, dry_run=True)
    assert code == 0 and "[dry run] 1 rows: 1 created" in out
    assert not Loan.objects.exists()
