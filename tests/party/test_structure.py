"""联合党支部 member units (and 应建未建), 品牌支部 designations by the higher committee only, and
党建联盟 links — services, scoping and pages."""

import datetime as dt

import pytest
from django.urls import reverse

from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError
from orgs.roles import Role
from party import compliance
from party.models import AllianceLink, BrandDesignation, JointBranchUnit
from party.structure import services as structure

from ..conftest import grant
from ..factories import RoleGrantFactory, UserFactory, make_org
from .conftest import REF, add_members

pytestmark = pytest.mark.django_db


def establish(world):
    return [
        f
        for f in compliance.check(world["w1"], dt.date(2026, 7, 1), REF, today=REF)
        if f.rule == "org.should_establish"
    ]


def test_a_unit_in_a_joint_branch_is_not_should_establish(world, seeded):
    firm = make_org(world["s1"], "enterprise", "岳麓科技有限公司")
    joint = make_org(world["w1"], "branch", "联合党支部", host=world["c2"])
    add_members(joint, 3, home=firm)
    assert any("岳麓科技有限公司" in f.reason for f in establish(world))
    row = structure.add_joint_unit(actor=SYSTEM, branch=joint, unit=firm, joined_on=dt.date(2026, 1, 1))
    assert not any("岳麓科技有限公司" in f.reason for f in establish(world))
    structure.end_joint_unit(actor=SYSTEM, row=row, ended_on=dt.date(2026, 3, 1), reason="单位已单独建支部")
    assert any("岳麓科技有限公司" in f.reason for f in establish(world))  # left before the reference day


def test_joint_units_must_be_units_and_not_twice(world, branch):
    firm = make_org(world["s1"], "enterprise", "望月物业公司")
    with pytest.raises(ServiceError, match="成员单位须为现有的单位"):
        structure.add_joint_unit(actor=SYSTEM, branch=branch, unit=world["w1"], joined_on=dt.date(2026, 1, 1))
    structure.add_joint_unit(actor=SYSTEM, branch=branch, unit=firm, joined_on=dt.date(2026, 1, 1))
    with pytest.raises(ServiceError, match="已是本支部的成员单位"):
        structure.add_joint_unit(actor=SYSTEM, branch=branch, unit=firm, joined_on=dt.date(2026, 2, 1))


def test_only_the_higher_committee_names_a_brand_branch(world, branch):
    secretary = UserFactory(username="shuji_s")
    RoleGrantFactory(user=secretary, org=branch, role=Role.BRANCH_SECRETARY)
    with pytest.raises(PermissionDenied):
        structure.designate_brand(
            actor=secretary, branch=branch, title="红色物业", citation="……", designated_on=dt.date(2026, 7, 1)
        )
    zuzhibu = grant(world, "zuzhibu", Role.ORG_DEPT, "w1")
    with pytest.raises(ServiceError, match="请填写命名理由"):
        structure.designate_brand(
            actor=zuzhibu, branch=branch, title="红色物业", citation="", designated_on=dt.date(2026, 7, 1)
        )
    row = structure.designate_brand(
        actor=zuzhibu,
        branch=branch,
        title="红色物业",
        citation="推行党员包联楼栋",
        designated_on=dt.date(2026, 7, 1),
    )
    assert row.designated_by == world["w1"]
    structure.revoke_brand(actor=zuzhibu, row=row, reason="年度复核未通过")
    assert not BrandDesignation.objects.active().exists() and BrandDesignation.objects.count() == 1


def test_alliance_links_and_scoping(world, branch):
    property_co = make_org(world["c2"], "enterprise", "湖西物业服务有限公司")
    structure.link_alliance(
        actor=SYSTEM,
        org=branch,
        partner=property_co,
        partner_kind="property",
        alliance="湖西红色物业联盟",
        joined_on=dt.date(2026, 3, 1),
        note="共同处置加装电梯矛盾",
    )
    with pytest.raises(ServiceError, match="已在该联盟中"):
        structure.link_alliance(
            actor=SYSTEM,
            org=branch,
            partner=property_co,
            partner_kind="property",
            alliance="湖西红色物业联盟",
            joined_on=dt.date(2026, 4, 1),
        )
    outsider = grant(world, "out", Role.BRANCH_SECRETARY, "b3")
    assert not AllianceLink.objects.visible_to(outsider).exists()
    assert AllianceLink.objects.visible_to(grant(world, "in", Role.ORG_DEPT, "party")).count() == 1
    assert not JointBranchUnit.objects.visible_to(outsider).exists()


def test_pages_and_dashboard(client, world, branch):
    property_co = make_org(world["c2"], "enterprise", "湖西物业服务有限公司")
    secretary = UserFactory(username="shuji_p")
    RoleGrantFactory(user=secretary, org=branch, role=Role.BRANCH_SECRETARY)
    client.force_login(secretary)
    url = reverse("party:alliance_new", args=[branch.pk])
    response = client.post(
        url,
        {"alliance": "", "partner": property_co.pk, "partner_kind": "property", "joined_on": "2026-03-01"},
    )
    assert "请填写联盟名称" in response.content.decode()
    response = client.post(
        url,
        {
            "alliance": "湖西红色物业联盟",
            "partner": property_co.pk,
            "partner_kind": "property",
            "joined_on": "2026-03-01",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("party:brand_new", args=[branch.pk])).status_code == 200
    response = client.post(
        reverse("party:brand_new", args=[branch.pk]),
        {"title": "红色物业", "citation": "事迹", "designated_on": "2026-07-01"},
    )
    assert response.status_code == 403 or "只有上级党委" in response.content.decode()
    zuzhibu = grant(world, "zuzhibu", Role.ORG_DEPT, "w1")
    client.force_login(zuzhibu)
    client.post(
        reverse("party:brand_new", args=[branch.pk]),
        {"title": "红色物业", "citation": "推行党员包联楼栋", "designated_on": "2026-07-01"},
    )
    page = client.get(reverse("party:dashboard") + f"?org={world['w1'].pk}").content.decode()
    assert "品牌支部" in page and "湖西红色物业联盟" in page
    client.force_login(grant(world, "out", Role.BRANCH_SECRETARY, "b3"))
    assert client.get(url).status_code == 404
