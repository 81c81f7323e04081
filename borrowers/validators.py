"""Checks on identifiers that come from outside: national IDs (居民身份证号, GB 11643) and VINs
(车辆识别代号, GB 16735 / ISO 3779). Used by the importer and the API; the demo data generator
uses the same check-digit functions so its identifiers pass them."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def national_id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def national_id_problem(value: str) -> str | None:
    """None when `value` is a well-formed 18-digit national ID, else the reason (translated)."""
    value = (value or "").strip().upper()
    if not _ID_RE.match(value):
        return str(_("身份证号须为 18 位（最后一位可为 X）。"))
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return str(_("身份证号中的出生日期无效。"))
    if born.year < 1900 or born > date.today():
        return str(_("身份证号中的出生日期无效。"))
    if national_id_check_digit(value[:17]) != value[17]:
        return str(_("身份证号校验位错误。"))
    return None


def validate_national_id(value: str) -> None:
    problem = national_id_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_national_id")


_VIN_VALUES = {**{str(d): d for d in range(10)}}
_VIN_VALUES.update(dict(zip("ABCDEFGH", range(1, 9), strict=True)))
_VIN_VALUES.update(dict(zip("JKLMN", range(1, 6), strict=True)))
_VIN_VALUES.update({"P": 7, "R": 9})
_VIN_VALUES.update(dict(zip("STUVWXYZ", range(2, 10), strict=True)))
_VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
_VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def vin_check_digit(vin17: str) -> str:
    """The 9th character of a VIN computed from the other 16 (position 9 itself weighs 0)."""
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin17, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def vin_problem(value: str) -> str | None:
    """None for a well-formed VIN: 17 characters, no I/O/Q. The check digit is NOT enforced:
    Chinese-market VINs are not required to carry a valid one, so refusing would reject real cars."""
    value = (value or "").strip().upper()
    if not _VIN_RE.match(value):
        return str(_("车架号须为 17 位字母或数字（不含 I、O、Q）。"))
    return None
