"""Tables as data: one definition renders as HTML (numbers linking to the records behind them) and as
CSV (`?format=csv&table=<key>`)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe


@dataclass
class Cell:
    value: object
    link: str = ""
    display: str | None = None
    css: str = ""

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        if self.display is not None:
            return self.display
        return format_value(self.value)

    @property
    def csv_value(self) -> str:
        value = self.value
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:.4f}".rstrip("0").rstrip(".")
        return str(value)


@dataclass
class Column:
    label: str
    numeric: bool = False


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    # rows name borrowers/complainants: an export is logged as a personal-data export
    personal_data: bool = False
    note: str = ""
    empty: str = ""

    def tbody_html(self) -> str:
        """The rows as HTML, escaped here: a template loop over every cell costs more than all the
        page's queries together on a large table."""
        out = []
        for row in self.rows:
            tds = []
            for cell, col in zip(row, self.columns, strict=False):
                classes = " ".join(c for c in ("num" if col.numeric else "", cell.css) if c)
                text = escape(cell.text)
                inner = f'<a href="{escape(cell.link)}">{text}</a>' if cell.link else text
                tds.append(f'<td class="{classes}">{inner}</td>' if classes else f"<td>{inner}</td>")
            out.append(f"<tr>{''.join(tds)}</tr>")
        return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped

    def add(self, *cells) -> None:
        self.rows.append([c if isinstance(c, Cell) else Cell(c) for c in cells])


def format_value(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def pct(num: int | None, den: int | None) -> float | None:
    if not den:
        return None
    return 100.0 * (num or 0) / den


def pct_cell(num, den, link: str = "") -> Cell:
    value = pct(num, den)
    return Cell(value, link=link, display="—" if value is None else f"{value:.1f}%")


def csv_response(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # Excel opens UTF-8 (Chinese) correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow([str(c.label) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_safe(cell.csv_value) for cell in row])
    return response


def _csv_safe(text: str) -> str:
    # a cell starting with = + - @ is a formula in a spreadsheet (CSV injection)
    if text and text[0] in "=+@\t\r" or (text.startswith("-") and not _is_number(text)):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
        return True
    except ValueError:
        return False
