"""两新组织 coverage and 党建联盟 figures on a small forest (``party.structure.coverage``), the page,
its Excel export and scoping."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.actors import SYSTEM
from orgs.roles import Role
from party.structure import coverage
from party.structure import services as structure

from ..conftest import grant
from ..factories import MeetingFactory, PersonFactory, PositionFactory, make_org
from .conftest import add_members

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 7)


@pytest.fixture
def forest(world, seeded):
    s1, w1 = world["s1"], world["w1"]
    e1 = make_org(s1, "enterprise", "岳麓科技有限公司")
    e2 = make_org(s1, "enterprise", "湘江建材有限公司")
    e3 = make_org(s1, "enterprise", "望月物业服务有限公司")
    so1 = make_org(world["c2"], "social_org", "湖西养老服务中心")
    so2 = make_org(s1, "social_org", "望月湖商会")
    own = make_org(w1, "branch", "中共岳麓科技有限公司支部委员会", host=e1)
    add_members(own, 4)  # home unit e1
    MeetingFactory(org=own, held_on=dt.date(2026, 10, 15))
    add_members(make_org(w1, "branch", "中共某单位支部", host=world["c2"]), 0)
    holder = make_org(w1, "branch", "望月湖非公企业联合党支部", host=e1)
    add_members(holder, 3, home=e2)  # 3 formal members in e2: should have its own
    add_members(holder, 2, home=e3)[0]
    structure.add_joint_unit(actor=SYSTEM, branch=holder, unit=e3, joined_on=dt.date(2026, 1, 1))
    add_members(holder, 1, home=so1)
    MeetingFactory(org=holder, held_on=dt.date(2025, 12, 1))  # more than twelve months ago: not effective
    PositionFactory(person=PersonFactory(name="陈指导员", org=s1), org=so1, kind="party_instructor")
    structure.link_alliance(
        actor=SYSTEM,
        org=world["b1"],
        partner=world["g1"],
        partner_kind="grid",
        alliance="湖东社区党建联盟",
        joined_on=dt.date(2026, 3, 1),
    )
    structure.link_alliance(
        actor=SYSTEM,
        org=world["b1"],
        partner=e3,
        partner_kind="property",
        alliance="湖东社区党建联盟",
        joined_on=dt.date(2026, 3, 1),
    )
    return {"e1": e1, "e2": e2, "e3": e3, "so1": so1, "so2": so2}


def test_figures_on_a_small_forest(world, forest):
    report = coverage.compute(world["w1"], TODAY)
    rows = {u.unit.name: u for u in report.units}
    assert rows["岳麓科技有限公司"].effective and rows["岳麓科技有限公司"].size == "own"
    assert rows["湘江建材有限公司"].gap == "应建未建"
    assert rows["望月物业服务有限公司"].joint_org is not None and rows["望月物业服务有限公司"].gap.startswith(
        "近12个月未开展"
    )
    assert rows["湖西养老服务中心"].instructors == ["陈指导员"] and rows["湖西养老服务中心"].gap == ""
    assert rows["望月湖商会"].gap == "未选派党建指导员"
    f = report.figures()
    assert (f["total"], f["with_members"], f["own_size"], f["own_built"]) == (5, 4, 2, 1)
    assert (f["joint_size"], f["joint_covered"], f["covered"], f["instructor"]) == (2, 1, 2, 1)
    assert (f["work_covered"], f["effective"], f["gaps"]) == (3, 1, 3)
    assert report.figures("social_org")["total"] == 2
    assert (report.communities_linked, len(report.communities)) == (1, 2)
    assert report.property_partners == ["望月物业服务有限公司"] and report.grids_linked == ["湖东社区第1网格"]
    assert report.grids_total == 2
    # Another street's area has none of them.
    assert coverage.compute(world["w2"], TODAY).figures()["total"] == 0


def test_page_export_and_scope(client, world, forest):
    client.force_login(grant(world, "zzb", Role.ORG_DEPT, "w1"))
    page = client.get(reverse("party:coverage"), {"org": world["w1"].pk}).content.decode()
    assert "湘江建材有限公司" in page and "统计口径" in page and "有效覆盖" in page
    dashboard = client.get(reverse("party:dashboard"), {"org": world["w1"].pk}).content.decode()
    assert 'id="coverage-summary"' in dashboard
    xlsx = client.get(reverse("party:coverage"), {"org": world["w1"].pk, "format": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["覆盖情况", "单位明细", "党建联盟"]
    cells = [c for row in book["单位明细"].iter_rows(values_only=True) for c in row if c]
    assert "应建未建" in cells
    client.force_login(grant(world, "zzb2", Role.PARTY_COMMITTEE, "w2"))
    assert client.get(reverse("party:coverage"), {"org": world["w1"].pk}).status_code == 404
