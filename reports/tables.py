"""Report tables: one definition rendered as HTML and downloaded as CSV.

Every table on a report page is a `Table`; the page and the CSV download are
built from the same object, so they cannot disagree.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from html import escape

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext

from portal import formatting

Cell = str | int | Decimal | date | datetime | None


@dataclass(frozen=True)
class Column:
    label: str | Promise
    # "text", "int", "money", "percent", "date" or "datetime": how a value is
    # aligned and written.
    kind: str = "text"

    @property
    def numeric(self) -> bool:
        return self.kind in {"int", "money", "percent"}


@dataclass
class Table:
    name: str
    caption: str | Promise
    columns: Sequence[Column]
    rows: Iterable[Sequence[Cell]]
    # The totals row shown under the rows (not written to the CSV, whose rows
    # are meant to be summed and filtered by the reader).
    footer: Sequence[Cell] | None = None
    empty: str | Promise = ""
    # Where the first cell of a row links to on the page, if anywhere.
    link: Callable[[Sequence[Cell]], str | None] | None = None
    # How many rows the page shows (the CSV has them all; the footer's totals
    # cover them all).
    shown: int | None = None

    @property
    def header(self) -> list[str]:
        return [str(column.label) for column in self.columns]

    def html_rows(self) -> SafeString:
        """The body rows, escaped; past `shown` rows, a line saying how many
        more the CSV has. Built here rather than cell by cell in a template
        loop: a department of a few hundred people renders about five times
        faster, and the dashboard has a latency goal."""
        html = []
        more = 0
        for n, row in enumerate(self.rows):
            if self.shown is not None and n >= self.shown:
                more += 1
                continue
            html.append(self._html_row(row, self.link(row) if self.link else None))
        if more:
            text = ngettext(
                "… and %(count)s more row: download the CSV for every one.",
                "… and %(count)s more rows: download the CSV for every one.",
                more,
            ) % {"count": more}
            html.append(
                f'<tr><td colspan="{len(self.columns)}" class="muted">'
                f"{escape(text)}</td></tr>"
            )
        return mark_safe("".join(html))

    def html_footer(self) -> SafeString:
        return mark_safe(
            "" if self.footer is None else self._html_row(self.footer, None)
        )

    def _html_row(self, row: Sequence[Cell], link: str | None) -> str:
        texts = [display(v, c) for v, c in zip(row, self.columns, strict=True)]
        head = (
            format_html('<a href="{}">{}</a>', link, texts[0])
            if link
            else escape(texts[0])
        )
        cells = "".join(
            f'<td class="num">{escape(text)}</td>'
            if column.numeric
            else f"<td>{escape(text)}</td>"
            for text, column in zip(texts[1:], self.columns[1:], strict=True)
        )
        return f'<tr><th scope="row">{head}</th>{cells}</tr>\n'


def display(value: Cell, column: Column) -> str:
    """A value as people read it: grouped money, local dates, a dash for none."""
    if value is None or value == "":
        return "—" if column.numeric or column.kind != "text" else ""
    if isinstance(value, Decimal):
        return formatting.number(value, 2)
    if column.kind == "percent":
        shown = formatting.number(value) if isinstance(value, int) else str(value)
        return f"{shown}\u00a0%"
    if isinstance(value, datetime):
        return formatting.short_moment(timezone.localtime(value))
    if isinstance(value, date):
        return formatting.short_day(value)
    if isinstance(value, int):
        return formatting.number(value)
    return str(value)


def csv_value(value: Cell) -> str:
    """Locale-free values: 1234.50, 2026-11-03, ISO times in the portal's zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# What makes a spreadsheet run a cell as a formula: "=", "+", "-" or "@"
# first, or a tab or carriage return before one (the OWASP list). Cells come
# from other tools' references, imported names and department names.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def csv_safe(text: str) -> str:
    """A cell no spreadsheet runs: a formula-like text gets a leading "'", which
    spreadsheets show as text; plain numbers such as -12.50 stay numbers.

    Our own few lines rather than `defusedcsv`: it leaves a leading tab or
    carriage return alone and rewrites "|" inside the cell.
    """
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(table: Table) -> Iterable[str]:
    """Every CSV the portal writes: each cell through csv_safe."""
    # A byte order mark first, so spreadsheet programs read the UTF-8 right.
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([csv_safe(label) for label in table.header])
    for row in table.rows:
        yield writer.writerow([csv_safe(csv_value(v)) for v in row])


def csv_filename(scope: str, table: str, period: str) -> str:
    return f"ev-charging-{scope}-{table}-{period}.csv"


def csv_response(table: Table, *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(table)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def csv_bytes(table: Table) -> bytes:
    return "".join(csv_lines(table)).encode("utf-8")
