"""Open311 GeoReport v2 mapping: Luoshi categories ↔ services, cases ↔ service requests.

Mapping (documented in docs/open311.md):
- service = an active 小类 (leaf category) that accepts public reports; ``service_code`` is the
  category code, ``group`` its 大类, ``type`` always ``realtime`` (the id is returned at once);
- service_request_id = the case number (事项编号);
- status = ``open`` while the case is in the workflow (待受理 … 待核查), ``closed`` when 已结案 or
  不予立案; ``detailed_status`` (extension) is the workflow code; ``status_notes`` is the latest
  public note of the timeline — the same sentence the public tracking page shows;
- agency_responsible = the lead unit (主办单位) once dispatched, else the street, else the district;
- expected_datetime = the handling deadline (处置时限) while open.
No personal data: reporter name, phone, account and the internal notes are never returned;
11-digit mobile numbers and 18-character ID numbers written into the description are masked.
Only cases marked public (``Case.is_public``) are listed.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from django.utils import timezone

from audit.models import AuditEvent
from cases.models import OPEN_STATUSES, Case, CaseStatus, Category, Urgency
from core.textguard import BAD_CHARS

from .. import conf

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"
MAX_REQUESTS = 1000
MAX_SPAN = dt.timedelta(days=90)

ATTRIBUTES = [
    {
        "variable": True,
        "code": "urgency",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "紧急程度,缺省为一般",
        "order": 1,
        "description": "紧急程度",
        "values": [{"key": key, "name": label} for key, label in Urgency.choices],
    },
    {
        "variable": True,
        "code": "title",
        "datatype": "string",
        "required": False,
        "datatype_description": "不超过100字",
        "order": 2,
        "description": "标题(缺省取问题描述前30字)",
        "values": [],
    },
]


def jurisdiction() -> str:
    return conf.setting("LUOSHI_OPEN311_JURISDICTION", "yuelu.example")


def iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def services_queryset():
    return (
        Category.objects.filter(active=True, accepts_public=True, parent__isnull=False)
        .select_related("parent")
        .order_by("parent__sort", "parent__code", "sort", "code")
    )


def service_out(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{category.parent.name} / {category.name}",
        "metadata": True,
        "type": "realtime",
        "keywords": category.parent.name,
        "group": category.parent.name,
    }


def definition_out(category: Category) -> dict:
    return {"service_code": category.code, "attributes": ATTRIBUTES}


PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9Xx])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9Xx])")


def scrub(text: str) -> str:
    """Mask personal numbers a reporter may have typed into free text."""
    text = ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    return PHONE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def public_queryset():
    return Case.objects.filter(is_public=True).select_related(
        "category", "org", "street", "lead_unit", "open311"
    )


def _notes(cases: list[Case]) -> dict[int, tuple[str, dt.datetime | None]]:
    """(latest public note, latest event time) per case, in one query."""
    ids = [str(case.pk) for case in cases]
    notes: dict[int, tuple[str, dt.datetime | None]] = {}
    rows = (
        AuditEvent.objects.filter(subject_type="cases.case", subject_id__in=ids)
        .order_by("subject_id", "seq")
        .values_list("subject_id", "created_at", "after")
    )
    for subject_id, created_at, after in rows:
        pk = int(subject_id)
        note = (after or {}).get("public_note") or notes.get(pk, ("", None))[0]
        notes[pk] = (note, created_at)
    return notes


def request_out(case: Case, note: str, updated: dt.datetime | None) -> dict:
    is_open = case.status in OPEN_STATUSES
    if case.lead_unit_id:
        agency = case.lead_unit.name
    elif case.street_id:
        agency = case.street.name
    else:
        agency = case.org.name
    extra = getattr(case, "open311", None) if hasattr(case, "open311") else None
    return {
        "service_request_id": case.number,
        "status": "open" if is_open else "closed",
        "detailed_status": case.status,
        "status_notes": note or (case.rejected_reason if case.status == CaseStatus.REJECTED else ""),
        "service_name": case.category.name if case.category_id else "",
        "service_code": case.category.code if case.category_id else "",
        "description": scrub(case.description),
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": iso(case.created_at),
        "updated_datetime": iso(updated or case.created_at),
        "expected_datetime": iso(case.handle_due_at) if is_open else None,
        "address": case.address,
        "address_id": None,
        "zipcode": None,
        "lat": case.latitude,
        "long": case.longitude,
        "media_url": extra.media_url if extra is not None and extra.media_url else None,
    }


def requests_out(cases: list[Case]) -> list[dict]:
    notes = _notes(cases)
    return [request_out(case, *notes.get(case.pk, ("", None))) for case in cases]


# ---------------------------------------------------------------------------------------------
# Rendering: XML per the spec, JSON derived from it (lists become arrays)

LIST_ITEMS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    # A control character (stored before the input guard existed) would make the XML ill-formed.
    return "" if value is None else BAD_CHARS.sub("\ufffd", str(value))


def _fill(element: ET.Element, data: dict) -> None:
    for key, value in data.items():
        child = ET.SubElement(element, key)
        if isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, list):
            item_name = LIST_ITEMS.get(key, "item")
            for item in value:
                node = ET.SubElement(child, item_name)
                if isinstance(item, dict):
                    _fill(node, item)
                else:
                    node.text = _text(item)
        else:
            child.text = _text(value)


def to_xml(root: str, item: str | None, data) -> bytes:
    element = ET.Element(root)
    if item is None:
        _fill(element, data)
    else:
        for entry in data:
            _fill(ET.SubElement(element, item), entry)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        element, encoding="utf-8", xml_declaration=False
    )
