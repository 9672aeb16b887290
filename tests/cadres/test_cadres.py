"""干部监督: explicit-grant access (never a broader role, never a superuser), reads audited with
a purpose, the 8小时以外 section behind a second prompt, grounds from rule data, statistics."""

import datetime as dt
import io

import pytest
from django.contrib import admin
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from cadres import services
from cadres.defaults import seed_grounds
from cadres.models import (
    Accountability,
    Adjustment,
    CadreFile,
    Ground,
    GroundKind,
    Inspection,
)
from cadres.selectors import statistics
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError
from orgs.roles import Role

from ..conftest import grant
from ..factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 1)
LEVELS = {f"{k}_level": "good" for k in ("political", "conduct", "integrity", "style")}


def _inspection_data(**extra):
    return {
        "held_on": DAY,
        "occasion": "annual",
        **LEVELS,
        "political_text": "政治立场坚定",
        "life_circle": "业余时间常去钓鱼协会",
        "social_circle": "与辖区企业老板往来较多",
        **extra,
    }


@pytest.fixture
def cadres(world):
    """A file in 望月湖街道 (s1) and one in 岳麓街道 (s2); holders at s1 and at the district."""
    seed_grounds(Ground)
    near = PersonFactory(name="甲干部", org=world["c1"])
    far = PersonFactory(name="乙干部", org=world["c3"])
    world.people["near"], world.people["far"] = near, far
    files = {
        "near": services.create_file(near, world["s1"], actor=SYSTEM, rank="正科级", post="街道办事处主任"),
        "far": services.create_file(far, world["s2"], actor=SYSTEM, rank="副科级"),
    }
    grant(world, "ganbu", Role.CADRE_SUPERVISOR, "district")
    grant(world, "ganbu_s1", Role.CADRE_SUPERVISOR, "s1")
    return files


def _ground(kind, code=None):
    qs = Ground.objects.filter(kind=kind)
    return qs.get(code=code) if code else qs.first()


# ---------------------------------------------------------------------------------------------
# Access


OTHER_ROLES = [role for role in Role if role != Role.CADRE_SUPERVISOR]


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_no_other_role_sees_or_acts(client, world, cadres, role):
    """Every role but 干部监督人员, granted at the widest node it can hold, sees nothing."""
    node = "party" if role in (Role.ORG_DEPT, Role.PARTY_COMMITTEE, Role.BRANCH_SECRETARY) else "district"
    user = grant(world, f"x_{role}", role, node)
    file = cadres["near"]
    for model in (CadreFile, Inspection, Adjustment, Accountability):
        assert not model.objects.visible_to(user).exists()
    client.force_login(user)
    for url in (
        reverse("cadres:index"),
        reverse("cadres:statistics"),
        reverse("cadres:file_new"),
        reverse("cadres:file", args=[file.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("cadres:file_open", args=[file.pk]), {"purpose": "看看"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.open_file(file, actor=user, purpose="看看")
    with pytest.raises(PermissionDenied):
        services.record_inspection(file, actor=user, data=_inspection_data())
    assert "干部监督" not in client.get(reverse("home")).content.decode()


def test_superuser_without_the_grant_sees_nothing(client, world, cadres):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    grant(world, "root", Role.ADMIN, "district")
    assert not CadreFile.objects.visible_to(root).exists()
    client.force_login(root)
    assert client.get(reverse("cadres:index")).status_code == 404
    assert client.get(reverse("cadres:file", args=[cadres["near"].pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.open_file(cadres["near"], actor=root, purpose="检查")
    # The admin does not expose the records, and the audit log hides their events.
    for model in (CadreFile, Inspection, Adjustment, Accountability):
        assert not admin.site.is_registered(model)
    assert client.get("/admin/cadres/cadrefile/").status_code == 404
    assert AuditEvent.objects.filter(subject_type="cadres.cadrefile").exists()
    assert not AuditEvent.objects.visible_to(root).filter(subject_type__startswith="cadres.").exists()
    page = client.get("/admin/audit/auditevent/").content.decode()
    assert "甲干部" not in page and "干部档案" not in page


def test_holder_at_a_street_sees_only_its_subtree(client, world, cadres):
    street, district = world.users["ganbu_s1"], world.users["ganbu"]
    assert set(CadreFile.objects.visible_to(street)) == {cadres["near"]}
    assert set(CadreFile.objects.visible_to(district)) == {cadres["near"], cadres["far"]}
    client.force_login(street)
    page = client.get(reverse("cadres:index")).content.decode()
    assert "甲干部" in page and "乙干部" not in page
    assert client.get(reverse("cadres:file", args=[cadres["far"].pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.open_file(cadres["far"], actor=street, purpose="了解情况")
    with pytest.raises(PermissionDenied):
        services.create_file(world.people["resident3"], world["s2"], actor=street)


def test_an_ended_grant_gives_nothing(world, cadres):
    from orgs.models import RoleGrant

    user = world.users["ganbu_s1"]
    RoleGrant.objects.filter(user=user).update(end_on=dt.date(2026, 1, 1))
    assert not CadreFile.objects.visible_to(user).exists()


# ---------------------------------------------------------------------------------------------
# Reads with a purpose


def test_opening_a_file_asks_for_the_purpose_and_is_logged(client, world, cadres):
    file = cadres["near"]
    client.force_login(world.users["ganbu"])
    url = reverse("cadres:file", args=[file.pk])
    page = client.get(url).content.decode()
    assert "查阅目的" in page and "基本情况" not in page and "正科级" not in page  # only the prompt
    response = client.post(reverse("cadres:file_open", args=[file.pk]), {"purpose": ""})
    assert response.status_code == 400 and "请填写查阅目的" in response.content.decode()
    assert not AuditEvent.objects.filter(action=services.FILE_READ).exists()
    response = client.post(reverse("cadres:file_open", args=[file.pk]), {"purpose": "年度考核前了解情况"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=services.FILE_READ)
    assert event.subject_id == str(file.pk) and event.reason == "年度考核前了解情况"
    assert event.actor == world.users["ganbu"]
    page = client.get(url).content.decode()
    assert "基本情况" in page and "正科级" in page and "年度考核前了解情况" in page  # the file, its read log


def test_offhours_section_needs_its_own_purpose(client, world, cadres):
    file = cadres["near"]
    services.record_inspection(file, actor=SYSTEM, data=_inspection_data())
    client.force_login(world.users["ganbu"])
    client.post(reverse("cadres:file_open", args=[file.pk]), {"purpose": "提拔前考察"})
    page = client.get(reverse("cadres:file", args=[file.pk])).content.decode()
    assert "政治立场坚定" in page
    assert "钓鱼协会" not in page and "企业老板" not in page
    url = reverse("cadres:offhours", args=[file.pk])
    response = client.post(url, {"purpose": " "})
    assert response.status_code == 400 and "钓鱼协会" not in response.content.decode()
    assert not AuditEvent.objects.filter(action=services.OFFHOURS_READ).exists()
    response = client.post(url, {"purpose": "核实群众反映"})
    assert response.status_code == 200
    assert "钓鱼协会" in response.content.decode() and "企业老板" in response.content.decode()
    assert AuditEvent.objects.get(action=services.OFFHOURS_READ).reason == "核实群众反映"


def test_offhours_needs_the_file_opened_first(client, world, cadres):
    client.force_login(world.users["ganbu"])
    response = client.post(reverse("cadres:offhours", args=[cadres["near"].pk]), {"purpose": "核实"})
    assert response.status_code == 404


# ---------------------------------------------------------------------------------------------
# Records


def test_record_inspection_checks_levels_and_dates(world, cadres):
    file, user = cadres["near"], world.users["ganbu"]
    with pytest.raises(ServiceError) as error:
        services.record_inspection(file, actor=user, data=_inspection_data(integrity_level=""))
    assert error.value.field == "integrity_level"
    with pytest.raises(ServiceError) as error:
        services.record_inspection(file, actor=user, data=_inspection_data(held_on=dt.date(2027, 1, 1)))
    assert error.value.field == "held_on"
    inspection = services.record_inspection(file, actor=user, data=_inspection_data())
    assert inspection.org == file.org and inspection.life_circle
    event = AuditEvent.objects.get(action=services.INSPECTION_RECORDED)
    assert "钓鱼" not in str(event.after)  # the audit log never copies the contents


def test_unsuitable_adjustment_needs_a_ground_and_a_method(world, cadres):
    file, user = cadres["near"], world.users["ganbu"]
    with pytest.raises(ServiceError) as error:
        services.record_adjustment(
            file, actor=user, kind="unsuitable", decided_on=DAY, method="transfer", facts="x"
        )
    assert error.value.field == "ground"
    wrong = _ground(GroundKind.ACCOUNTABILITY)
    with pytest.raises(ServiceError):
        services.record_adjustment(
            file, actor=user, kind="unsuitable", decided_on=DAY, ground=wrong, method="transfer", facts="x"
        )
    ground = _ground(GroundKind.UNSUITABLE, "nsnx.5.7")
    assert ground.article == "第五条第(七)项"
    with pytest.raises(ServiceError) as error:
        services.record_adjustment(
            file, actor=user, kind="unsuitable", decided_on=DAY, ground=ground, facts="x"
        )
    assert error.value.field == "method"
    adjustment = services.record_adjustment(
        file,
        actor=user,
        kind="unsuitable",
        decided_on=DAY,
        ground=ground,
        method="transfer",
        facts="推诿扯皮",
    )
    assert adjustment.direction == "down"
    up = services.record_adjustment(file, actor=user, kind="promote", decided_on=DAY, ground=ground)
    assert up.ground is None and up.direction == "up"


def test_accountability_forms_follow_the_target(world, cadres):
    user, ground = world.users["ganbu"], _ground(GroundKind.ACCOUNTABILITY)
    common = {"actor": user, "ground": ground, "decided_on": DAY, "decided_by": "区委", "facts": "落实不力"}
    with pytest.raises(ServiceError) as error:
        services.record_accountability(file=cadres["near"], form="reorganize", **common)
    assert error.value.field == "form"
    decision = services.record_accountability(file=cadres["near"], form="adjust", **common)
    assert decision.target == "leader" and decision.org == cadres["near"].org
    with pytest.raises(ServiceError):
        services.record_accountability(org=world["s1"], form="check", **common)  # not a party organization
    org_decision = services.record_accountability(org=world["w1"], form="check", **common)
    assert org_decision.target == "organization" and org_decision.file is None
    assert org_decision.party_org == world["w1"] and org_decision.org == world["s1"]
    with pytest.raises(ServiceError):
        services.record_accountability(org=world["w1"], form="admonish", **common)
    with pytest.raises(PermissionDenied):
        services.record_accountability(
            org=world["w2"], form="check", **{**common, "actor": world.users["ganbu_s1"]}
        )


def test_revoke_keeps_the_row_and_drops_it_from_statistics(world, cadres):
    file, user = cadres["near"], world.users["ganbu"]
    adjustment = services.record_adjustment(file, actor=user, kind="promote", decided_on=DAY)
    assert statistics(user, 2026).total.up_total == 1
    with pytest.raises(ServiceError):
        services.revoke_record("adjustment", adjustment.pk, actor=user, reason="")
    services.revoke_record("adjustment", adjustment.pk, actor=user, reason="录入错误")
    adjustment.refresh_from_db()
    assert adjustment.revoked_at is not None and adjustment.revoke_reason == "录入错误"
    assert statistics(user, 2026).total.up_total == 0
    services.revoke_file(file, actor=user, reason="重复建档")
    assert CadreFile.objects.filter(pk=file.pk).exists()
    with pytest.raises(ServiceError):
        services.record_inspection(file, actor=user, data=_inspection_data())
    assert not CadreFile.objects.visible_to(user).live().filter(pk=file.pk).exists()


def test_one_live_file_per_person(world, cadres):
    with pytest.raises(ServiceError) as error:
        services.create_file(world.people["near"], world["s1"], actor=world.users["ganbu"])
    assert error.value.field == "person"


# ---------------------------------------------------------------------------------------------
# Statistics and pages


def test_statistics_by_year_and_unit(client, world, cadres):
    user, near, far = world.users["ganbu"], cadres["near"], cadres["far"]
    unsuitable = _ground(GroundKind.UNSUITABLE)
    services.record_adjustment(near, actor=user, kind="promote", decided_on=DAY)
    services.record_adjustment(far, actor=user, kind="reuse", decided_on=DAY)
    services.record_adjustment(far, actor=user, kind="advance", decided_on=dt.date(2025, 6, 1))
    services.record_adjustment(
        near, actor=user, kind="unsuitable", decided_on=DAY, ground=unsuitable, method="remove", facts="x"
    )
    common = {
        "actor": user,
        "ground": _ground(GroundKind.ACCOUNTABILITY),
        "decided_on": DAY,
        "decided_by": "区委",
    }
    services.record_accountability(file=far, form="adjust", facts="x", **common)
    services.record_accountability(file=far, form="admonish", facts="x", **common)
    stats = statistics(user, 2026)
    rows = {row.unit: row for row in stats.rows}
    assert rows["望月湖街道"].up_total == 1 and rows["望月湖街道"].down_total == 1
    assert rows["岳麓街道"].up_total == 1 and rows["岳麓街道"].down_total == 1
    assert rows["岳麓街道"].accountability_other == 1
    assert statistics(user, 2025).total.up_total == 1
    assert set(r.unit for r in statistics(world.users["ganbu_s1"], 2026).rows) == {"望月湖街道"}
    client.force_login(user)
    page = client.get(reverse("cadres:statistics"), {"year": 2026}).content.decode()
    assert "望月湖街道" in page and "不适宜担任现职调整" in page
    response = client.get(reverse("cadres:statistics_xlsx"), {"year": 2026})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "能上能下" in sheet["A1"].value
    assert AuditEvent.objects.filter(action=services.STATISTICS_EXPORTED).exists()


def test_pages_record_through_the_services(client, world, cadres):
    file, user = cadres["near"], world.users["ganbu"]
    client.force_login(user)
    assert client.get(reverse("cadres:inspection_new", args=[file.pk])).status_code == 404  # not open yet
    client.post(reverse("cadres:file_open", args=[file.pk]), {"purpose": "登记考察"})
    data = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in _inspection_data().items()}
    response = client.post(reverse("cadres:inspection_new", args=[file.pk]), data)
    assert response.status_code == 302
    assert Inspection.objects.filter(file=file).count() == 1
    ground = _ground(GroundKind.UNSUITABLE)
    bad = client.post(
        reverse("cadres:adjustment_new", args=[file.pk]),
        {"kind": "unsuitable", "decided_on": "2026-12-01", "method": "transfer", "facts": "x"},
    )
    assert bad.status_code == 400 and "请选择不适宜担任现职的情形" in bad.content.decode()
    response = client.post(
        reverse("cadres:adjustment_new", args=[file.pk]),
        {
            "kind": "unsuitable",
            "decided_on": "2026-12-01",
            "ground": ground.pk,
            "method": "transfer",
            "facts": "x",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("cadres:file", args=[file.pk])).content.decode()
    assert ground.article in page
    adjustment = Adjustment.objects.get(file=file)
    client.post(reverse("cadres:revoke", args=[file.pk, "adjustment", adjustment.pk]), {"reason": "录错"})
    adjustment.refresh_from_db()
    assert adjustment.revoked_at is not None


def test_new_file_page(client, world, cadres):
    client.force_login(world.users["ganbu_s1"])
    url = reverse("cadres:file_new")
    page = client.get(url, {"q": "居民"}).content.decode()
    assert "张居民" in page and "李居民" not in page  # only people of the holder's subtree
    person = world.people["resident1"]
    response = client.post(url, {"q": "居民", "person": person.pk, "org": world["c1"].pk, "rank": "科员"})
    assert response.status_code == 302
    assert CadreFile.objects.get(person=person).org == world["c1"]


def test_organization_accountability_page(client, world, cadres):
    client.force_login(world.users["ganbu_s1"])
    url = reverse("cadres:organization_accountability_new")
    page = client.get(url).content.decode()
    assert "中共望月湖街道工作委员会" in page and "中共岳麓街道工作委员会" not in page  # by host unit
    assert "诫勉" not in page  # the forms for organizations only
    ground = _ground(GroundKind.ACCOUNTABILITY)
    data = {
        "party_org": world["w1"].pk,
        "form": "reorganize",
        "ground": ground.pk,
        "decided_on": "2026-12-01",
    }
    response = client.post(url, {**data, "decided_by": "区委", "facts": "软弱涣散"})
    assert response.status_code == 302
    decision = Accountability.objects.get(target="organization")
    assert decision.party_org == world["w1"] and decision.form == "reorganize"
    assert "中共望月湖街道工作委员会" in client.get(reverse("cadres:index")).content.decode()
    refused = client.post(url, {**data, "party_org": world["w2"].pk, "decided_by": "区委", "facts": "x"})
    assert refused.status_code == 400
