"""Workplan fixtures: the shared world plus a supervision office, district departments the
speech names, and the people who act on key tasks (insiders and outsiders)."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from orgs.roles import Role
from workplan import services
from workplan.defaults import seed_defaults

from ..conftest import grant
from ..factories import make_org


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=timezone.get_default_timezone())


def pdf(name="evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )


def png(name="photo.png") -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def wp(world, settings, tmp_path):
    """The world plus the offices of a district committee, and the workplan actors."""
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_defaults()
    o = world.orgs
    o["office"] = make_org(o["district"], "department", "区委督查室", short_name="督查室")
    o["zzb"] = make_org(o["district"], "department", "区委组织部", short_name="区委组织部")
    o["xcb"] = make_org(o["district"], "department", "区委宣传部", short_name="区委宣传部")
    o["zfw"] = make_org(o["district"], "department", "区委政法委", short_name="区委政法委")
    o["tzb"] = make_org(o["district"], "department", "区委统战部", short_name="区委统战部")
    world.users.update(
        {
            "dudao": grant(world, "dudao", Role.SUPERVISOR, "district"),
            "other_dudao": grant(world, "dudao_other", Role.SUPERVISOR, "other"),
            "bumen": grant(world, "bumen", Role.DEPT_HANDLER, "d1"),
            "bumen2": grant(world, "bumen2", Role.DEPT_HANDLER, "d2"),
            "jiedao": grant(world, "jiedao", Role.DISPATCHER, "s1"),
            "jiedao2": grant(world, "jiedao2", Role.DISPATCHER, "s2"),
            "outsider": grant(world, "outsider", Role.DEPT_HANDLER, "other_dept"),
            "shequ": grant(world, "shequ", Role.COMMUNITY_STAFF, "c1"),
        }
    )
    return world


@pytest.fixture
def plan(wp):
    return services.create_plan(
        actor=wp.users["dudao"],
        owner=wp["office"],
        title="2026年区委重点工作",
        source_meeting="区委重点工作推进会议",
        document_no="岳办发〔2026〕1号",
        source_date=dt.date(2026, 2, 20),
    )


def make_task(plan, wp, **kwargs):
    defaults = {
        "actor": wp.users["dudao"],
        "title": "推进背街小巷环境整治",
        "lead_unit": wp["d1"],
        "co_units": [wp["s1"]],
        "start_on": dt.date(2026, 3, 2),
        "deadline": dt.date(2026, 6, 30),
        "cadence": "monthly",
        "evidence_kinds": ["文件", "照片"],
        "leader_name": "王副区长",
    }
    return services.create_task(plan, **{**defaults, **kwargs})
