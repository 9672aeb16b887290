"""The shared guards used outside HTTP: spreadsheet imports (a row error per bad cell) and the one
picture checker (party meeting photos and work-plan evidence refuse bombs before decoding)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import ServiceError
from orgs.imports import ImportRejected, _parse_sheet
from party.files import clean_photo as party_photo
from workplan.evidence import check_upload

from .conftest import IMAGES


def test_import_refuses_control_characters_row_by_row():
    rows = [("名称", "编码"), ("湖东社区", "430104001"), ("坏\x00名称", "430104002"), ("好", "4301\x0b")]
    sheet = SimpleNamespace(iter_rows=lambda values_only: iter(rows), reset_dimensions=lambda: None)
    columns = [SimpleNamespace(header="名称", required=True), SimpleNamespace(header="编码", required=True)]
    with pytest.raises(ImportRejected) as rejected:
        _parse_sheet(SimpleNamespace(worksheets=[sheet]), columns)
    errors = [(e.row, e.column) for e in rejected.value.errors]
    assert errors == [(3, "A"), (4, "B")]
    assert all("控制字符" in e.message for e in rejected.value.errors)


@pytest.mark.parametrize("name", ["bomb_20000", "bomb_108mp", "wide", "many_frames", "not_an_image"])
def test_party_photos_refuse_bombs(name):
    with pytest.raises(ServiceError) as refused:
        party_photo(SimpleUploadedFile("p.png", IMAGES[name]))
    assert refused.value.field == "photos"


@pytest.mark.parametrize("name", ["bomb_20000", "bomb_108mp", "wide"])
def test_workplan_evidence_refuses_bombs(name):
    with pytest.raises(ServiceError) as refused:
        check_upload(SimpleUploadedFile("p.png", IMAGES[name]))
    assert refused.value.field == "evidence" and "尺寸过大" in refused.value.message
