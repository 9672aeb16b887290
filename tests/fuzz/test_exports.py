"""Every CSV and Excel export neutralizes formula prefixes and keeps the text readable: CSV cells get
a leading ``'``; Excel cells are plain strings with Excel's quote prefix (never a formula cell)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.test import Client
from openpyxl import load_workbook

from cases.evaluation import RATES, UnitScore
from cases.exports import ranking_workbook
from core.tabular import neutralize, workbook_bytes
from orgs.imports import IMPORTERS, template_workbook
from orgs.roles import Role
from party.compliance import Finding
from party.exports import findings_workbook
from party.membership.exports import dues_workbook
from tests.api.conftest import client_for
from tests.api.test_workplan_api import plan  # noqa: F401  (fixture)
from tests.cases.conftest import actors, new_case  # noqa: F401  (fixtures)
from tests.conftest import grant
from workplan import selectors as wp_selectors
from workplan import services as wp
from workplan.excel import export_ledger

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","y")'
OTHERS = ["+1+1", "-1+1", "@SUM(1)", "\t=1", "\r=1"]


def csv_cells(content: bytes) -> list[str]:
    text = content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_xlsx_neutral(data: bytes, text: str = FORMULA) -> None:
    book = load_workbook(io.BytesIO(data))
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula cell {cell.coordinate}: {cell.value!r}"
                if cell.value == text:
                    found.append(cell)
    assert found, f"{text!r} not in the workbook"
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in found)


def test_helper():
    assert neutralize(FORMULA) == "'" + FORMULA
    assert [neutralize(v) for v in OTHERS] == ["'" + v for v in OTHERS]
    assert neutralize("正常文本") == "正常文本" and neutralize(-5) == -5 and neutralize(None) is None


def test_api_cases_csv(world, actors):  # noqa: F811
    new_case(world, title=FORMULA, description="@SUM(1)+危险")
    token = client_for(actors["dispatcher"]).raw
    response = Client().get("/api/v1/cases.csv", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    cells = csv_cells(b"".join(response.streaming_content))
    assert "'" + FORMULA in cells and FORMULA not in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_api_workplan_csv_and_excel_ledger(plan, world, actors):  # noqa: F811
    dudao = actors["supervisor"]
    task = wp.create_task(
        plan["plan"],
        title=FORMULA,
        lead_unit=world["d1"],
        deadline=wp_selectors.today() + dt.timedelta(days=30),
        actor=dudao,
        start_on=wp_selectors.today(),
    )
    token = client_for(dudao).raw
    response = Client().get("/api/v1/workplan/tasks.csv", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.content
    cells = csv_cells(b"".join(response.streaming_content))
    assert "'" + FORMULA in cells and FORMULA not in cells
    assert_xlsx_neutral(export_ledger([task], wp_selectors.today()))


def test_ranking_workbook(world):
    row = UnitScore(unit=SimpleNamespace(name=FORMULA), rates={r: 0.5 for r in RATES}, score=90.0, rank=1)
    assert_xlsx_neutral(ranking_workbook(dt.date(2026, 10, 1), {"department": [row]}))


def test_party_findings_workbook(world):
    org = SimpleNamespace(name=FORMULA, kind="branch", path="0001", get_kind_display=lambda: "党支部")
    score = SimpleNamespace(org=org, score=80, counts={"high": 1, "medium": 0, "low": 0})
    finding = Finding(
        severity="high",
        rule=next(iter(__import__("party.compliance", fromlist=["RULES"]).RULES)),
        org_id=1,
        org_name="-1+1",
        org_path="0001",
        reason="@SUM(1)",
        evidence=[FORMULA],
    )
    data = findings_workbook(org, "2026年第4季度", {1: score}, [finding])
    assert_xlsx_neutral(data)
    assert_xlsx_neutral(data, "@SUM(1)")


def test_party_dues_workbook(world):
    from tests.factories import MemberFactory, PersonFactory

    MemberFactory(person=PersonFactory(name=FORMULA, org=world["c1"]), org=world["b1"], category="formal")
    user = grant(world, "zzb_x", Role.ORG_DEPT, "party")
    assert_xlsx_neutral(dues_workbook(user, world["b1"], 2026, dt.date(2026, 11, 15)))


def test_import_templates_and_helper_workbook():
    for kind in IMPORTERS:
        book = load_workbook(io.BytesIO(template_workbook(kind)))
        assert all(cell.data_type != "f" for sheet in book for row in sheet.iter_rows() for cell in row)
    from openpyxl import Workbook

    book = Workbook()
    book.active.append([FORMULA, *OTHERS, -3, "普通"])
    data = workbook_bytes(book)
    assert_xlsx_neutral(data)
    sheet = load_workbook(io.BytesIO(data)).active
    # The visible text is kept (a carriage return comes back as a line feed: XML normalizes it).
    assert [c.value for c in sheet[1]] == [FORMULA, *OTHERS[:4], "\n=1", -3, "普通"]
    assert all(c.quotePrefix for c in sheet[1][:6])
    assert sheet["G1"].data_type == "n" and not sheet["G1"].quotePrefix
