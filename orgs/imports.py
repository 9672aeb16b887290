"""Excel imports of the org tree (组织架构) and of people (人员及任职).

An import is all-or-nothing. Every row of the file is read and checked first, and *all* problems
are collected (Excel row number, column, reason in Chinese); if there is any, ``ImportRejected`` is
raised and nothing is written. Otherwise every row is applied inside one transaction through the
ordinary services (``create_org``, ``create_person``, ``appoint``), which check permissions again
and write the audit events; a ``ServiceError`` raised there becomes a ``RowError`` for its row and
the whole transaction is rolled back.

Only the first worksheet is read. Row 1 holds the column headers (matched by their Chinese name,
in any order); data starts at row 2; empty rows are skipped. A 台账 exported by ``core.ledger`` is
read too: the header is then the first of the top rows with a known column name (below the title
block), and reading stops at the 制表人 footer.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import itertools
import json
import os
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.actors import is_system
from core.errors import ServiceError
from core.ledger import find_header_row, is_footer_row
from core.privacy import blind_index
from core.tabular import workbook_bytes
from core.textguard import bad_char, message_for

from . import services
from .geo import check_polygon
from .models import (
    ALLOWED_CHILDREN,
    PARTY_KINDS,
    UNIT_KINDS,
    GridType,
    Org,
    OrgKind,
    Person,
    PositionKind,
)
from .scoping import ALL, can, has_scope, scope_paths
from .validators import birth_date_from_id, check_id_number, check_phone, gender_from_id, id_check_digit

MAX_ROWS = 5000
MAX_FILE_BYTES = 5 * 1024 * 1024
NOT_XLSX = "文件不是有效的 Excel(.xlsx)文件"
NUMERIC_ID = "身份证号被 Excel 存成了数字,末尾几位可能已丢失;请把该列设置为“文本”格式后重新输入"
NO_PARENT = "上级组织不存在或不在您的管理范围内"
NO_HOST = "所在单位不存在或不在您的查看范围内"
NO_UNIT = "所属单位不存在或不在您的管理范围内"
NO_POSITION_ORG = "任职单位不存在或不在您的管理范围内"
HEADER_SEARCH_ROWS = 10  # the header of an exported 台账 is below its title block
PRECISION_LOST = "数字超过15位,Excel 已丢失末尾几位;请把该列设置为“文本”格式后重新输入"


@dataclass(frozen=True)
class RowError:
    """One problem in an uploaded file. ``row`` is the Excel row number (0: the whole file);
    ``column`` is e.g. ``"C(上级组织)"``, or ``""`` when the problem is not about one column."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        if self.column:
            where += f" {self.column}"
        return f"{where}: {self.message}"


class ImportRejected(Exception):
    """The file was not imported; ``errors`` says why (all problems found, in row order)."""

    def __init__(self, errors: list[RowError]):
        shown = "; ".join(str(error) for error in errors[:5]) + ("; …" if len(errors) > 5 else "")
        super().__init__(f"{len(errors)} errors: {shown}")
        self.errors = errors


class Column(NamedTuple):
    header: str
    required: bool
    help: str


@dataclass
class ImportResult:
    label: str
    created: int
    counts: list[tuple[str, int, str]]  # (what, how many, measure word)
    objects: list = field(default_factory=list, repr=False)

    def summary(self) -> str:
        parts = [self.counts[0]] + [part for part in self.counts[1:] if part[1]]
        return ",".join(f"{what} {count} {unit}" for what, count, unit in parts)


# ---------------------------------------------------------------------------------------------
# Reading the sheet


class BadCell(Exception):
    """A cell value that cannot be used; ``message`` is shown to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _reject(message: str, row: int = 0, column: str = "") -> ImportRejected:
    return ImportRejected([RowError(row, column, message)])


def _normalize_header(value: Any) -> str:
    text = "" if value is None else str(value)
    return re.sub(r"[\s*＊\u200b\ufeff]", "", text).casefold()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.replace("\u200b", "").strip())


def _read_bytes(fileobj) -> bytes:
    if isinstance(fileobj, bytes | bytearray):
        data = bytes(fileobj)
    elif isinstance(fileobj, str | os.PathLike):
        with open(fileobj, "rb") as handle:
            return _read_bytes(handle)
    else:
        size = getattr(fileobj, "size", None)
        if isinstance(size, int) and size > MAX_FILE_BYTES:
            raise _reject(_too_big())
        if hasattr(fileobj, "seek"):
            with contextlib.suppress(OSError, ValueError):
                fileobj.seek(0)
        data = fileobj.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _reject(_too_big())
    if not data:
        raise _reject("文件是空的")
    return data


def _too_big() -> str:
    return f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB,请删除无关内容或分批导入"


class _Sheet:
    """The first worksheet of an upload: header positions and the non-empty data rows."""

    def __init__(self, positions: dict[str, int], rows: list[tuple[int, dict[str, Any]]]):
        self.positions = positions  # header -> 0-based column index
        self.rows = rows  # (Excel row number, header -> raw cell value)

    def col(self, header: str) -> str:
        if not header:
            return ""
        if header in self.positions:
            return f"{get_column_letter(self.positions[header] + 1)}({header})"
        return header

    def order(self, header: str) -> int:
        return self.positions.get(header, -1)


def read_sheet(fileobj, columns: list[Column]) -> _Sheet:
    data = _read_bytes(fileobj)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _reject(NOT_XLSX)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged file
        raise _reject(NOT_XLSX) from exc
    try:
        return _parse_sheet(workbook, columns)
    except ImportRejected:
        raise
    except Exception as exc:
        raise _reject(NOT_XLSX) from exc
    finally:
        workbook.close()


def _parse_sheet(workbook, columns: list[Column]) -> _Sheet:
    if not workbook.worksheets:
        raise _reject("文件中没有工作表")
    sheet = workbook.worksheets[0]
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()  # the stored dimensions are often wrong; read every row
    rows = sheet.iter_rows(values_only=True)
    # A 台账 exported by core.ledger has a title block (标题, 填报单位/统计期间) above the header.
    lead = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    known = {_normalize_header(column.header) for column in columns}
    at = find_header_row(lead, lambda value: _normalize_header(value) in known)
    header_cells = lead[at] if lead else ()
    positions, errors = _read_header(header_cells, columns, at + 1)
    headed = set(positions.values()) | {i for i, v in enumerate(header_cells) if not _is_blank(v)}
    data_rows = _read_rows(itertools.chain(lead[at + 1 :], rows), positions, headed, errors, at + 2)
    if errors:
        raise ImportRejected(errors)
    if not data_rows:
        raise _reject("文件中没有数据(第1行为列名,数据从第2行开始)")
    return _Sheet(positions, data_rows)


def _read_header(
    header_cells, columns: list[Column], header_row: int = 1
) -> tuple[dict[str, int], list[RowError]]:
    """The column of each known header (the header row), and what is wrong with the header row."""
    known = {_normalize_header(column.header): column.header for column in columns}
    positions: dict[str, int] = {}
    unknown: list[str] = []
    errors: list[RowError] = []
    for index, value in enumerate(header_cells):
        if _is_blank(value):
            continue
        letter = get_column_letter(index + 1)
        header = known.get(_normalize_header(value))
        if header is None:
            unknown.append(f"{letter}({str(value).strip()})")
        elif header in positions:
            first = get_column_letter(positions[header] + 1)
            errors.append(
                RowError(header_row, f"{letter}({header})", f"列“{header}”重复出现(已在 {first} 列)")
            )
        else:
            positions[header] = index
    if not positions and not unknown:
        raise _reject("第1行应为列名(表头),但第1行是空的;请使用导入模板", row=1)
    if unknown:
        errors.append(
            RowError(
                header_row,
                "",
                f"无法识别的列:{'、'.join(unknown)};可用的列:"
                f"{'、'.join(column.header for column in columns)}",
            )
        )
    missing = [column.header for column in columns if column.required and column.header not in positions]
    if missing:
        errors.append(RowError(header_row, "", f"缺少必填列:{'、'.join(missing)}"))
    return positions, errors


def _read_rows(
    rows, positions: dict[str, int], headed: set[int], errors: list[RowError], start: int = 2
) -> list[tuple[int, dict[str, Any]]]:
    """The non-blank data rows (from row ``start``, below the header) by header, up to a 台账's
    制表人 footer; problems (forbidden characters, data under no header) are added to ``errors``."""
    unheaded: dict[int, int] = {}  # column index -> first row with data
    data_rows: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(rows, start=start):
        if all(_is_blank(value) for value in values):
            continue
        if is_footer_row(values):
            break
        if len(data_rows) >= MAX_ROWS:
            raise _reject(f"数据超过 {MAX_ROWS} 行,请分批导入")
        for index, value in enumerate(values):
            if index not in headed and not _is_blank(value):
                unheaded.setdefault(index, number)
        for header, index in positions.items():
            if index < len(values) and bad_char(values[index]) is not None:
                errors.append(RowError(number, get_column_letter(index + 1), message_for(header)))
        data_rows.append(
            (
                number,
                {
                    header: values[index] if index < len(values) else None
                    for header, index in positions.items()
                },
            )
        )
    for index, number in sorted(unheaded.items()):
        errors.append(
            RowError(
                number,
                get_column_letter(index + 1),
                f"该列没有列名(第{start - 1}行为空),无法识别其中的数据;请补上列名或删除该列内容",
            )
        )
    return data_rows


# Cell conversions: each returns a clean value or raises BadCell.


def cell_text(value: Any, max_length: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, datetime.datetime):
        text = value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    elif isinstance(value, datetime.date):
        text = value.isoformat()
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if value.is_integer():
            if abs(value) >= 1e15:
                raise BadCell(PRECISION_LOST)
            text = str(int(value))
        else:
            text = str(value)
    else:
        text = str(value).replace("\u200b", "").replace("\ufeff", "").strip()
    if max_length is not None and len(text) > max_length:
        raise BadCell(f"不能超过{max_length}个字(现为{len(text)}个字)")
    return text


_DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DATE_HINT = "日期应为日期格式的单元格或 YYYY-MM-DD 文本,如 1985-03-12"


def cell_date(value: Any) -> datetime.date | None:
    if _is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        match = _DATE_RE.fullmatch(value.strip())
        if match:
            try:
                return datetime.date(*(int(part) for part in match.groups()))
            except ValueError as exc:
                raise BadCell(f"日期“{value.strip()}”不存在") from exc
    raise BadCell(_DATE_HINT)


def _non_negative_int(value: Any) -> int | None:
    if _is_blank(value):
        return None
    number = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\d+", value.strip()):
        number = int(value.strip())
    if number is None or number < 0:
        raise BadCell("应为不小于0的整数")
    return number


def _choice_map(choices) -> dict[str, str]:
    """Label, code and each "/"-separated part of a label → code (e.g. 区/县 → district)."""
    mapping: dict[str, str] = {}
    for value, label in choices:
        mapping[value] = value
        mapping[label] = value
        for part in label.split("/"):
            mapping.setdefault(part, value)
    return mapping


def _choice(value: Any, mapping: dict[str, str], what: str, labels) -> str:
    text = cell_text(value)
    if not text:
        return ""
    code = mapping.get(text) or mapping.get(text.lower())
    if code is None:
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise BadCell(f"无法识别的{what}“{shown}”,可填:{'、'.join(labels)}")
    return code


ORG_KINDS = _choice_map(OrgKind.choices)
GRID_TYPES = _choice_map(GridType.choices)
POSITION_KINDS = _choice_map(PositionKind.choices)
GENDERS = {"男": "M", "女": "F", "男性": "M", "女性": "F", "m": "M", "f": "F"}


# ---------------------------------------------------------------------------------------------
# Org references: "code or exact name" of an org the actor may act on


class _Errors:
    def __init__(self, sheet: _Sheet):
        self.sheet = sheet
        self._items: list[tuple[int, int, RowError]] = []

    def add(self, row: int, header: str, message: str) -> None:
        self._items.append((row, self.sheet.order(header), RowError(row, self.sheet.col(header), message)))

    def __bool__(self) -> bool:
        return bool(self._items)

    def sorted(self) -> list[RowError]:
        return [error for _, _, error in sorted(self._items, key=lambda item: item[:2])]


class _Planned:
    """A row of the file that will create an org; it can be referred to by later rows."""

    def __init__(self, row: int):
        self.row = row
        self.name = ""
        self.kind = ""
        self.code = ""


class _OrgLookup:
    def __init__(self, actor, action: str):
        self.queryset = Org.objects.all() if is_system(actor) else Org.objects.visible_to(actor, action)
        self._matches: dict[str, tuple[list[Org], list[Org]]] = {}

    def matches(self, text: str) -> tuple[list[Org], list[Org]]:
        """Active orgs in scope whose code, resp. name, is ``text``."""
        if text not in self._matches:
            active = self.queryset.filter(archived_at__isnull=True)
            found = list(active.filter(Q(code=text) | Q(name=text))[:20])
            self._matches[text] = ([o for o in found if o.code == text], [o for o in found if o.name == text])
        return self._matches[text]

    def archived(self, text: str) -> bool:
        return self.queryset.filter(archived_at__isnull=False).filter(Q(code=text) | Q(name=text)).exists()

    def resolve(
        self, text: str, row: int, *, missing: str, earlier_codes=None, earlier_names=None, keys=None
    ) -> Org | _Planned:
        """Find the org ``text`` refers to, among rows planned earlier in the file (if given) and
        existing orgs in scope. Raises ``BadCell`` with a helpful message."""
        if earlier_codes and text in earlier_codes:
            return earlier_codes[text]
        by_code, by_name = self.matches(text)
        if len(by_code) == 1:
            return by_code[0]
        if len(by_code) > 1:
            raise BadCell(f"编码“{text}”对应多个组织,请联系系统管理员核实")
        candidates = [*(earlier_names or {}).get(text, []), *by_name]
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise BadCell(f"有 {len(candidates)} 个组织名为“{text}”,请改填编码以区分")
        rows = (keys or {}).get(text, [])
        if row in rows:
            raise BadCell("不能引用本行自己")
        later = [number for number in rows if number > row]
        if later:
            raise BadCell(f"“{text}”在本文件第{later[0]}行才新建,请把第{later[0]}行移到本行之前")
        if self.archived(text):
            raise BadCell(f"“{text}”已撤销")
        raise BadCell(missing)


def _kind_label(kind: str) -> str:
    return OrgKind(kind).label


# ---------------------------------------------------------------------------------------------
# Importers


class Importer:
    key = ""
    label = ""
    columns: list[Column] = []
    text_columns: frozenset[str] = frozenset()  # formatted as text in the template
    choices: dict[str, list[str]] = {}  # header -> dropdown values in the template
    example: dict[str, Any] = {}
    max_rows = MAX_ROWS
    max_megabytes = MAX_FILE_BYTES // (1024 * 1024)

    def run(self, fileobj, *, actor) -> ImportResult:
        """Check the whole file, then import it in one transaction; raise ``ImportRejected``."""
        if not is_system(actor) and not has_scope(actor, "import"):
            raise _reject("您没有批量导入的权限")
        sheet = read_sheet(fileobj, self.columns)
        errors = _Errors(sheet)
        plan = self.validate(sheet, actor, errors)
        if errors:
            raise ImportRejected(errors.sorted())
        name = os.path.basename(str(getattr(fileobj, "name", "") or ""))
        reason = f"Excel 批量导入{self.label}" + (f"({name})" if name else "")
        with transaction.atomic():  # ImportRejected raised inside rolls everything back
            return self.apply(plan, actor, reason, sheet)

    def validate(self, sheet: _Sheet, actor, errors: _Errors) -> list:
        raise NotImplementedError

    def apply(self, plan: list, actor, reason: str, sheet: _Sheet) -> ImportResult:
        raise NotImplementedError

    @staticmethod
    def _failed(sheet: _Sheet, row: int, header: str, message: str) -> ImportRejected:
        return ImportRejected([RowError(row, sheet.col(header), message)])


class _Row:
    """Convert the cells of one row, recording problems instead of stopping at the first."""

    def __init__(self, number: int, values: dict[str, Any], errors: _Errors):
        self.number, self.values, self.errors = number, values, errors
        self.ok = True

    def raw(self, header: str) -> Any:
        return self.values.get(header)

    def get(self, header: str, convert, *args, default=None):
        try:
            return convert(self.values.get(header), *args)
        except BadCell as bad:
            self.error(header, bad.message)
            return default

    def error(self, header: str, message: str) -> None:
        self.ok = False
        self.errors.add(self.number, header, message)


def _safe_text(value: Any) -> str:
    try:
        return cell_text(value)
    except BadCell:
        return ""


def _row_keys(sheet: _Sheet) -> dict[str, list[int]]:
    """Code or name -> the rows that carry it (for references to rows further down the file)."""
    keys: dict[str, list[int]] = defaultdict(list)
    for number, values in sheet.rows:
        for header in ("编码", "名称"):
            text = _safe_text(values.get(header))
            if text and number not in keys[text]:
                keys[text].append(number)
    return keys


def _org_name_and_kind(row: _Row, planned: _Planned) -> None:
    planned.name = row.get("名称", cell_text, 100, default="")
    if not planned.name and row.ok:
        row.error("名称", "请填写名称")
    try:
        planned.kind = _choice(row.raw("类型"), ORG_KINDS, "类型", OrgKind.labels)
        if not planned.kind:
            row.error("类型", "请填写类型")
    except BadCell as bad:
        row.error("类型", bad.message)


def _check_org_code(row: _Row, code: str, earlier_codes: dict, existing: dict, actor) -> None:
    if code in earlier_codes:
        row.error("编码", f"编码“{code}”与第{earlier_codes[code].row}行重复")
    elif code in existing:
        org = existing[code]
        named = f"“{org.name}”" if is_system(actor) or can(actor, "view", org) else ""
        row.error("编码", f"编码“{code}”已被现有组织{named}使用")


def _org_parent(row: _Row, kind: str, parents: _OrgLookup, in_file: dict, may_add_roots: bool):
    """The parent (an Org, a _Planned row of this file, or None for a top-level org)."""
    parent = None
    parent_text = row.get("上级组织", cell_text, default="")
    if parent_text:
        try:
            parent = parents.resolve(parent_text, row.number, missing=NO_PARENT, **in_file)
        except BadCell as bad:
            row.error("上级组织", bad.message)
        if parent is not None and kind and parent.kind:
            _check_child_kind(row, kind, parent)
    elif kind and _is_blank(row.raw("上级组织")):
        if kind not in ALLOWED_CHILDREN[None]:
            row.error("上级组织", "请填写上级组织(编码或准确全称)")
        elif not may_add_roots:
            row.error("上级组织", "只有系统管理员可以在最顶层新建组织,请填写上级组织")
    return parent


def _check_child_kind(row: _Row, kind: str, parent) -> None:
    allowed = ALLOWED_CHILDREN.get(parent.kind, frozenset())
    if kind not in allowed:
        hint = (
            f";可设立:{'、'.join(_kind_label(k) for k in OrgKind.values if k in allowed)}"
            if allowed
            else f";“{_kind_label(parent.kind)}”下不能设立下级组织"
        )
        row.error(
            "类型",
            f"“{parent.name}”({_kind_label(parent.kind)})下不能设立“{_kind_label(kind)}”{hint}",
        )


def _org_host(row: _Row, kind: str, hosts: _OrgLookup, in_file: dict):
    """The unit a party organization sits in (an Org, a _Planned row, or None)."""
    host = None
    host_text = row.get("所在单位", cell_text, default="")
    if host_text:
        if kind and kind not in PARTY_KINDS:
            row.error("所在单位", "只有党组织可以填写所在单位")
        else:
            try:
                host = hosts.resolve(host_text, row.number, missing=NO_HOST, **in_file)
            except BadCell as bad:
                row.error("所在单位", bad.message)
            if host is not None and host.kind and host.kind not in UNIT_KINDS:
                row.error("所在单位", "所在单位必须是社区、村、街道/乡镇、部门或两新组织")
    return host


def _grid_values(row: _Row, kind: str) -> dict:
    """户数, 网格类型 and the boundary: for grids only."""
    households = row.get("户数", _non_negative_int)
    grid_type = ""
    try:
        grid_type = _choice(row.raw("网格类型"), GRID_TYPES, "网格类型", GridType.labels)
    except BadCell as bad:
        row.error("网格类型", bad.message)
    geometry = row.get("边界GeoJSON", _geometry)
    if kind and kind != OrgKind.GRID:
        grid_only = {"户数": households, "网格类型": grid_type, "边界GeoJSON": geometry}
        for header, value in grid_only.items():
            if value not in (None, ""):
                row.error(header, f"只有网格可以填写{header}")
    return {"households": households, "grid_type": grid_type, "geometry": geometry}


class OrgImporter(Importer):
    key = "orgs"
    label = "组织架构"
    columns = [
        Column("名称", True, "组织全称,不超过100字"),
        Column("类型", True, f"填类型名称:{'、'.join(OrgKind.labels)}"),
        Column(
            "上级组织",
            True,
            "上级组织的编码或准确全称;可以是本文件前面行新建的组织;"
            "最顶层组织(区/县、党委)留空;名称重复时请填编码",
        ),
        Column("编码", False, "统计用区划代码、网格编码或统一社会信用代码;不能与现有组织重复"),
        Column("简称", False, "不超过50字"),
        Column("所在单位", False, "仅党组织填写:党组织所在的社区、村、街道/乡镇、部门或两新组织的编码或全称"),
        Column("户数", False, "仅网格填写:不小于0的整数"),
        Column("网格类型", False, "仅网格填写:综合网格 或 专属网格"),
        Column("边界GeoJSON", False, "仅网格填写:GeoJSON 的 Polygon 或 MultiPolygon 文本,经度在前"),
        Column("电话", False, "办公电话"),
        Column("地址", False, "不超过200字"),
    ]
    text_columns = frozenset({"上级组织", "编码", "所在单位", "电话"})
    choices = {"类型": list(OrgKind.labels), "网格类型": list(GridType.labels)}
    example = {
        "名称": "桃花岭社区第一网格",
        "类型": "网格",
        "上级组织": "430104007001",
        "编码": "430104007001001",
        "户数": 320,
        "网格类型": "综合网格",
        "电话": "0731-88888888",
        "地址": "桃花岭路1号",
    }
    _fields = {
        "name": "名称",
        "kind": "类型",
        "parent": "上级组织",
        "code": "编码",
        "short_name": "简称",
        "host": "所在单位",
        "households": "户数",
        "grid_type": "网格类型",
        "geometry": "边界GeoJSON",
        "phone": "电话",
        "address": "地址",
    }

    def validate(self, sheet: _Sheet, actor, errors: _Errors) -> list:
        parents = _OrgLookup(actor, "import")
        hosts = _OrgLookup(actor, "view")
        may_add_roots = is_system(actor) or scope_paths(actor, "change") is ALL
        existing = _existing_codes([_safe_text(values.get("编码")) for _, values in sheet.rows])
        earlier_codes: dict[str, _Planned] = {}
        earlier_names: dict[str, list[_Planned]] = defaultdict(list)
        in_file = {"earlier_codes": earlier_codes, "earlier_names": earlier_names, "keys": _row_keys(sheet)}
        plan = []
        for number, values in sheet.rows:
            row = _Row(number, values, errors)
            planned = _Planned(number)
            _org_name_and_kind(row, planned)
            kind = planned.kind
            planned.code = code = row.get("编码", cell_text, 32, default="")
            if code:
                _check_org_code(row, code, earlier_codes, existing, actor)
            values_out = {
                "name": planned.name,
                "code": code,
                "short_name": row.get("简称", cell_text, 50, default=""),
                "phone": row.get("电话", cell_text, 32, default=""),
                "address": row.get("地址", cell_text, 200, default=""),
            }
            parent = _org_parent(row, kind, parents, in_file, may_add_roots)
            host = _org_host(row, kind, hosts, in_file)
            values_out.update(_grid_values(row, kind))
            if row.ok and not isinstance(parent, _Planned) and not isinstance(host, _Planned):
                # The service's own rules, for anything the checks above do not cover.
                try:
                    services.validate_new_org(
                        actor=actor, parent=parent, kind=kind, values={**values_out, "host": host}
                    )
                except ServiceError as exc:
                    row.error(self._fields.get(exc.field or "", "上级组织"), exc.message)

            if code and code not in earlier_codes:
                earlier_codes[code] = planned
            if planned.name:
                earlier_names[planned.name].append(planned)
            plan.append((planned, parent, host, values_out))
        return plan

    def apply(self, plan: list, actor, reason: str, sheet: _Sheet) -> ImportResult:
        created: dict[int, Org] = {}

        def real(target):
            return created[target.row] if isinstance(target, _Planned) else target

        for planned, parent, host, values in plan:
            try:
                org = services.create_org(
                    actor=actor,
                    parent=real(parent),
                    kind=planned.kind,
                    reason=reason,
                    host=real(host),
                    **values,
                )
            except ServiceError as exc:
                header = self._fields.get(exc.field or "", "" if parent is None else "上级组织")
                raise self._failed(sheet, planned.row, header, exc.message) from exc
            except IntegrityError as exc:
                raise self._failed(sheet, planned.row, "", _CONFLICT) from exc
            created[planned.row] = org
        orgs = list(created.values())
        return ImportResult(self.label, len(orgs), [("新建组织", len(orgs), "个")], orgs)


_CONFLICT = "保存时与数据库中的数据冲突(可能有人同时录入了相同的数据),请刷新后重新导入"


def _geometry(value: Any) -> dict | None:
    text = cell_text(value)
    if not text:
        return None
    try:
        geometry = json.loads(text)
    except ValueError as exc:
        raise BadCell("不是有效的 JSON 文本(可能被截断:Excel 单元格最多 32767 个字符)") from exc
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    error = check_polygon(geometry)
    if error:
        raise BadCell(error)
    return geometry


def _existing_codes(codes: list[str]) -> dict[str, Org]:
    codes = sorted({code for code in codes if code})
    found: dict[str, Org] = {}
    for start in range(0, len(codes), 500):
        for org in Org.objects.filter(archived_at__isnull=True, code__in=codes[start : start + 500]):
            found.setdefault(org.code, org)
    return found


def _id_number(value: Any) -> str:
    if _is_blank(value):
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise BadCell(NUMERIC_ID)
    text = cell_text(value).upper()
    if re.fullmatch(r"\d(\.\d+)?E\+\d+", text):  # a number Excel showed in scientific notation
        raise BadCell(NUMERIC_ID)
    error = check_id_number(text)
    if error:
        raise BadCell(error)
    return text


def _gender(value: Any) -> str:
    text = cell_text(value)
    if not text:
        return ""
    gender = GENDERS.get(text) or GENDERS.get(text.lower())
    if gender is None:
        raise BadCell("性别应填“男”或“女”")
    return gender


def _phone(value: Any) -> str:
    text = cell_text(value)
    if text:
        error = check_phone(text)
        if error:
            raise BadCell(error)
    return text


@dataclass
class _PersonPlan:
    row: int
    org: Org | _Planned | None  # None only on a rejected row (the plan is then not run)
    person: dict
    id_number: str
    phone: str
    position_kind: str = ""
    position_org: Org | _Planned | None = None
    position_org_header: str = "任职单位"
    title: str = ""
    start_on: datetime.date | None = None


def _check_id_number(row: _Row, id_number: str, gender, birth_date, ids_in_file: dict, registered) -> None:
    """An ID number once in the file, not registered yet, agreeing with gender and birth date."""
    if id_number in ids_in_file:
        row.error("身份证号", f"与第{ids_in_file[id_number]}行的身份证号重复")
    else:
        ids_in_file[id_number] = row.number
        if blind_index(id_number) in registered:
            row.error("身份证号", "该身份证号已登记在另一人员名下")
    if gender and gender != gender_from_id(id_number):
        row.error("性别", "性别与身份证号不一致")
    if birth_date and birth_date != birth_date_from_id(id_number):
        row.error("出生日期", "出生日期与身份证号不一致")


def _person_org(row: _Row, units: _OrgLookup) -> Org | _Planned | None:
    org = None
    org_text = row.get("所属单位", cell_text, default="")
    if org_text:
        try:
            org = units.resolve(org_text, row.number, missing=NO_UNIT)
        except BadCell as bad:
            row.error("所属单位", bad.message)
    elif _is_blank(row.raw("所属单位")):
        row.error("所属单位", "请填写所属单位(编码或准确全称)")
    return org


def _person_position(row: _Row, units: _OrgLookup, org: Org | _Planned | None) -> tuple:
    """(kind, title, start_on, org, header of the org's column) of the position on the row."""
    position_kind = ""
    try:
        position_kind = _choice(row.raw("职务类别"), POSITION_KINDS, "职务类别", PositionKind.labels)
    except BadCell as bad:
        row.error("职务类别", bad.message)
    title = row.get("职务名称", cell_text, 50, default="")
    start_on = row.get("任职日期", cell_date)
    position_org, position_header = org, "所属单位"
    position_text = row.get("任职单位", cell_text, default="")
    if position_text:
        position_header = "任职单位"
        position_org = None
        try:
            position_org = units.resolve(position_text, row.number, missing=NO_POSITION_ORG)
        except BadCell as bad:
            row.error("任职单位", bad.message)
    if not position_kind and _is_blank(row.raw("职务类别")):
        filled = [h for h in ("职务名称", "任职单位", "任职日期") if not _is_blank(row.raw(h))]
        if filled:
            row.error("职务类别", f"填写了{'、'.join(filled)},请同时填写职务类别")
    return position_kind, title, start_on, position_org, position_header


class PeopleImporter(Importer):
    key = "people"
    label = "人员及任职"
    columns = [
        Column("姓名", True, "不超过50字"),
        Column("性别", False, "男 或 女;填写了身份证号的可不填(按身份证号确定)"),
        Column("民族", False, "如 汉族;不填默认为汉族"),
        Column("出生日期", False, "日期格式或 YYYY-MM-DD 文本;填写了身份证号的可不填"),
        Column("身份证号", False, "18位居民身份证号,不能与已登记人员重复;请把该列设置为“文本”格式"),
        Column("手机号", False, "11位手机号,或座机如 0731-88888888"),
        Column("学历", False, "如 大学本科"),
        Column("所属单位", True, "人员所在社区/村或工作单位的编码或准确全称"),
        Column("职务类别", False, f"不填则只登记人员;可填:{'、'.join(PositionKind.labels)}"),
        Column("职务名称", False, "如 党支部书记、组织委员;不超过50字"),
        Column("任职单位", False, "职务所在组织的编码或准确全称;不填则为所属单位"),
        Column("任职日期", False, "日期格式或 YYYY-MM-DD 文本;不填则为导入当天"),
    ]
    text_columns = frozenset({"身份证号", "手机号", "所属单位", "任职单位"})
    choices = {"性别": ["男", "女"], "职务类别": list(PositionKind.labels)}
    example = {
        "姓名": "张三",
        "性别": "男",
        "民族": "汉族",
        "出生日期": datetime.date(1985, 3, 12),
        "身份证号": "43010419850312001" + id_check_digit("43010419850312001"),
        "手机号": "13800138000",
        "学历": "大学本科",
        "所属单位": "430104007001",
        "职务类别": "网格员",
        "职务名称": "专职网格员",
        "任职单位": "430104007001001",
        "任职日期": datetime.date(2024, 1, 1),
    }
    _person_fields = {
        "name": "姓名",
        "gender": "性别",
        "birth_date": "出生日期",
        "id_number": "身份证号",
        "phone": "手机号",
        "ethnicity": "民族",
        "education": "学历",
    }

    def validate(self, sheet: _Sheet, actor, errors: _Errors) -> list:
        units = _OrgLookup(actor, "import")
        today = timezone.localdate()
        ids_in_file: dict[str, int] = {}
        registered = _registered_ids([_safe_text(values.get("身份证号")).upper() for _, values in sheet.rows])
        plan = []
        for number, values in sheet.rows:
            row = _Row(number, values, errors)
            name = row.get("姓名", cell_text, 50, default="")
            if not name and row.ok:
                row.error("姓名", "请填写姓名")
            gender = row.get("性别", _gender, default="")
            birth_date = row.get("出生日期", cell_date)
            id_number = row.get("身份证号", _id_number, default="")
            if id_number:
                _check_id_number(row, id_number, gender, birth_date, ids_in_file, registered)
            elif not gender and _is_blank(row.raw("身份证号")):
                row.error("性别", "请填写性别(男/女),或填写身份证号")
            if birth_date and birth_date > today:
                row.error("出生日期", "出生日期不能晚于今天")
            phone = row.get("手机号", _phone, default="")
            ethnicity = row.get("民族", cell_text, 20, default="")
            education = row.get("学历", cell_text, 20, default="")
            org = _person_org(row, units)
            position_kind, title, start_on, position_org, position_header = _person_position(row, units, org)

            person = {"name": name, "gender": gender, "birth_date": birth_date, "education": education}
            if ethnicity:
                person["ethnicity"] = ethnicity
            if row.ok:
                try:
                    services.validate_person(person, id_number, phone)
                except ServiceError as exc:
                    row.error(self._person_fields.get(exc.field or "", "姓名"), exc.message)
            plan.append(
                _PersonPlan(
                    number,
                    org,
                    person,
                    id_number,
                    phone,
                    position_kind,
                    position_org,
                    position_header,
                    title,
                    start_on,
                )
            )
        return plan

    def apply(self, plan: list, actor, reason: str, sheet: _Sheet) -> ImportResult:
        people, positions = [], 0
        for item in plan:
            try:
                person = services.create_person(
                    actor=actor,
                    org=item.org,
                    id_number=item.id_number,
                    phone=item.phone,
                    reason=reason,
                    **item.person,
                )
            except ServiceError as exc:
                header = self._person_fields.get(exc.field or "", "所属单位")
                raise self._failed(sheet, item.row, header, exc.message) from exc
            except IntegrityError as exc:
                raise self._failed(sheet, item.row, "", _CONFLICT) from exc
            people.append(person)
            if item.position_kind:
                try:
                    services.appoint(
                        person,
                        item.position_org,
                        actor=actor,
                        kind=item.position_kind,
                        title=item.title,
                        start_on=item.start_on,
                        reason=reason,
                    )
                except ServiceError as exc:
                    header = "职务类别" if exc.field == "kind" else item.position_org_header
                    raise self._failed(sheet, item.row, header, exc.message) from exc
                positions += 1
        counts = [("新增人员", len(people), "名"), ("任职", positions, "条")]
        return ImportResult(self.label, len(people), counts, people)


def _registered_ids(numbers: list[str]) -> set[str]:
    indexes = sorted({blind_index(number) for number in numbers if number})
    found: set[str] = set()
    for start in range(0, len(indexes), 500):
        found.update(
            Person.objects.filter(id_number_index__in=indexes[start : start + 500]).values_list(
                "id_number_index", flat=True
            )
        )
    return found


IMPORTERS: dict[str, Importer] = {importer.key: importer for importer in (OrgImporter(), PeopleImporter())}


# ---------------------------------------------------------------------------------------------
# Blank templates


def template_workbook(kind: str) -> bytes:
    """A blank .xlsx for ``kind``: the header row, one example row, and a sheet of instructions."""
    try:
        importer = IMPORTERS[kind]
    except KeyError:
        raise ValueError(f"unknown import kind: {kind!r}") from None
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = importer.label
    required_fill = PatternFill("solid", fgColor="FCE4D6")
    for index, column in enumerate(importer.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        if column.required:
            cell.fill = required_fill
        cell.comment = Comment(f"{'必填' if column.required else '选填'}:{column.help}", "落实")
        sheet.column_dimensions[letter].width = max(12, min(40, len(column.header) * 3 + 6))
        example = sheet.cell(row=2, column=index, value=importer.example.get(column.header))
        if column.header in importer.text_columns:
            sheet.column_dimensions[letter].number_format = "@"
            example.number_format = "@"
        elif isinstance(example.value, datetime.date):
            example.number_format = "yyyy-mm-dd"
        if column.header in importer.choices:
            options = ",".join(importer.choices[column.header])
            validation = DataValidation(
                type="list", formula1=f'"{options}"', allow_blank=True, showErrorMessage=False
            )
            validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in importer.columns:
        notes.append([column.header, "必填" if column.required else "选填", column.help])
    notes.append([])
    for line in (
        "只读取第一个工作表;第1行为列名,数据从第2行开始;列的顺序可以调整,不能有无法识别的列。",
        "第2行是示例,导入前请删除或改为真实数据。",
        f"每个文件最多 {MAX_ROWS} 行数据、{MAX_FILE_BYTES // (1024 * 1024)} MB。",
        "全部行校验通过才会导入;任何一行有错误,整个文件都不会导入,请按错误清单修改后重新上传整个文件。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 90

    return workbook_bytes(workbook)
