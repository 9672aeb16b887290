"""Rules of the org services: tree shape, no cycles, no deletes, personal data, positions, grants."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError
from orgs import services
from orgs.models import Org, Person, Position, RoleGrant
from orgs.roles import Role
from orgs.scoping import scope_paths

from ..conftest import grant
from ..factories import UserFactory, invalid_id_number, valid_id_number

pytestmark = pytest.mark.django_db


def test_org_cannot_move_under_its_own_descendant(world):
    with pytest.raises(ServiceError, match="下级组织之下") as error:
        services.move_org(world["s1"], world["g1"], actor=SYSTEM, reason="试一试")
    assert error.value.field == "parent"
    with pytest.raises(ServiceError):
        services.move_org(world["s1"], world["s1"], actor=SYSTEM, reason="试一试")


def test_moving_a_subtree_rewrites_denormalized_paths(world):
    community = services.move_org(world["c1"], world["s2"], actor=SYSTEM, reason="区划调整")
    assert community.path.startswith(world["s2"].path)
    for person in Person.objects.filter(org=community):
        assert person.org_path == community.path
    grid = Org.objects.get(pk=world["g1"].pk)
    assert grid.path.startswith(community.path)
    assert Position.objects.get(org=grid).org_path == grid.path
    assert Org.objects.find_problems() == ([], [], [], [], [])
    event = AuditEvent.objects.for_subject(community).get(action="org.moved")
    assert event.reason == "区划调整"


def test_moved_community_changes_who_sees_it(world):
    dispatcher1 = grant(world, "d1", Role.DISPATCHER, "s1")
    assert Person.objects.visible_to(dispatcher1).filter(name="张居民").exists()
    services.move_org(world["c1"], world["s2"], actor=SYSTEM, reason="区划调整")
    dispatcher1 = type(dispatcher1).objects.get(pk=dispatcher1.pk)
    assert not Person.objects.visible_to(dispatcher1).filter(name="张居民").exists()


def test_kind_rules(world):
    with pytest.raises(ServiceError, match="不能设立"):
        services.create_org(actor=SYSTEM, parent=world["g1"], kind="grid", name="网格里的网格")
    with pytest.raises(ServiceError, match="不能设立"):
        services.create_org(actor=SYSTEM, parent=world["party"], kind="community", name="党委下的社区")
    with pytest.raises(ServiceError, match="所在单位"):
        services.create_org(actor=SYSTEM, parent=world["c1"], kind="grid", name="第3网格", host=world["c1"])
    with pytest.raises(ServiceError, match="请填写名称"):
        services.create_org(actor=SYSTEM, parent=world["c1"], kind="grid", name="  ")


def test_grid_polygon_is_validated(world):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(ServiceError, match="有效的多边形") as error:
        services.create_org(actor=SYSTEM, parent=world["c1"], kind="grid", name="第3网格", geometry=bowtie)
    assert error.value.field == "geometry"
    square = {
        "type": "Polygon",
        "coordinates": [[[112.9, 28.2], [112.91, 28.2], [112.91, 28.21], [112.9, 28.21], [112.9, 28.2]]],
    }
    grid = services.create_org(
        actor=SYSTEM, parent=world["c1"], kind="grid", name="第3网格", geometry=square, households=300
    )
    assert grid.geometry == square


def test_scope_is_enforced_by_services(world):
    staff = grant(world, "shequ", Role.COMMUNITY_STAFF, "c1")
    services.create_org(actor=staff, parent=world["c1"], kind="grid", name="湖东社区第3网格")
    with pytest.raises(PermissionDenied):
        services.create_org(actor=staff, parent=world["c3"], kind="grid", name="别人的网格")
    with pytest.raises(PermissionDenied):
        services.update_org(world["c3"], actor=staff, name="改名")
    with pytest.raises(PermissionDenied):
        services.create_org(actor=staff, parent=None, kind="district", name="新区")


def test_orgs_are_archived_not_deleted(world):
    with pytest.raises(RuntimeError):
        world["g2"].delete()
    with pytest.raises(ServiceError, match="在任人员"):
        services.archive_org(world["c1"], actor=SYSTEM, reason="撤并")
    archived = services.archive_org(world["g2"], actor=SYSTEM, reason="网格调整")
    assert archived.is_archived and Org.objects.filter(pk=archived.pk).exists()
    with pytest.raises(ServiceError, match="已撤销"):
        services.create_org(actor=SYSTEM, parent=archived, kind="grid", name="x")


def test_person_validation_names_the_field(world):
    bad = invalid_id_number()
    with pytest.raises(ServiceError) as error:
        services.create_person(actor=SYSTEM, org=world["c1"], name="王五", id_number=bad)
    assert error.value.field == "id_number"
    with pytest.raises(ServiceError) as error:
        services.create_person(actor=SYSTEM, org=world["c1"], name="王五", gender="M", phone="12345")
    assert error.value.field == "phone"
    with pytest.raises(ServiceError) as error:
        services.create_person(actor=SYSTEM, org=world["c1"], name="", gender="M")
    assert error.value.field == "name"
    assert not Person.objects.filter(name="王五").exists()


def test_personal_data_is_encrypted_and_masked(world):
    number = valid_id_number(datetime.date(1990, 1, 2), male=False)
    person = services.create_person(
        actor=SYSTEM, org=world["c1"], name="赵六", id_number=number, phone="13912345678"
    )
    assert person.gender == "F" and person.birth_date == datetime.date(1990, 1, 2)
    raw = Person.objects.filter(pk=person.pk).values("id_number_encrypted", "phone_encrypted").get()
    assert number not in str(raw) and "13912345678" not in str(raw)
    assert person.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert person.phone_masked == "139****5678"
    with pytest.raises(ServiceError, match="另一人员"):
        services.create_person(actor=SYSTEM, org=world["c3"], name="冒名", id_number=number)
    event = AuditEvent.objects.for_subject(person).get()
    assert number not in str(event.after) and "13912345678" not in str(event.after)


def test_person_pages_never_show_the_clear_number(client, world):
    person = world.people["resident1"]
    staff = grant(world, "shequ", Role.COMMUNITY_STAFF, "c1")
    client.force_login(staff)
    page = client.get(reverse("orgs:person", args=[person.pk])).content.decode()
    assert person.id_number_clear() not in page and person.phone_clear() not in page
    assert person.id_number_masked in page
    assert "查看完整信息" not in page  # community staff may not reveal
    response = client.post(reverse("orgs:person_reveal", args=[person.pk]), {"reason": "核实"})
    assert response.status_code == 400


def test_revealing_personal_data_is_audited(client, world):
    person = world.people["member1"]
    org_dept = grant(world, "zzb", Role.ORG_DEPT, "party")
    client.force_login(org_dept)
    assert "查看完整信息" in client.get(reverse("orgs:person", args=[person.pk])).content.decode()
    refused = client.post(reverse("orgs:person_reveal", args=[person.pk]), {"reason": " "})
    assert refused.status_code == 400 and "用途" in refused.content.decode()
    response = client.post(reverse("orgs:person_reveal", args=[person.pk]), {"reason": "发展党员政审"})
    assert person.id_number_clear() in response.content.decode()
    event = AuditEvent.objects.for_subject(person).get(action="personal_data.viewed")
    assert event.actor == org_dept and event.reason == "发展党员政审"


def test_positions_are_end_dated_not_deleted(world):
    person = world.people["resident1"]
    position = services.appoint(
        person,
        world["c1"],
        actor=SYSTEM,
        kind="director",
        title="居委会主任",
        start_on=datetime.date(2021, 5, 1),
    )
    with pytest.raises(ServiceError, match="已在"):
        services.appoint(person, world["c1"], actor=SYSTEM, kind="director")
    with pytest.raises(ServiceError, match="早于"):
        services.end_position(position, actor=SYSTEM, end_on=datetime.date(2020, 1, 1), reason="换届")
    ended = services.end_position(position, actor=SYSTEM, end_on=datetime.date(2026, 5, 1), reason="换届")
    assert not ended.is_current and Position.objects.filter(pk=position.pk).exists()
    assert not Position.objects.current().filter(pk=position.pk).exists()


def test_role_grant_and_revoke(world):
    user = UserFactory(username="newstaff")
    granted = services.grant_role(user, world["c1"], Role.COMMUNITY_STAFF, actor=SYSTEM, reason="入职")
    user.refresh_from_db()
    assert user.is_staff and scope_paths(user, "view") == [world["c1"].path]
    services.revoke_role(granted, actor=SYSTEM, reason="调离")
    user = type(user).objects.get(pk=user.pk)
    assert scope_paths(user, "view") == []
    assert RoleGrant.objects.filter(pk=granted.pk).exists()


def test_only_grant_holders_may_grant(world):
    staff = grant(world, "shequ", Role.COMMUNITY_STAFF, "c1")
    other = UserFactory(username="x")
    with pytest.raises(PermissionDenied):
        services.grant_role(other, world["c1"], Role.GRID_WORKER, actor=staff)
    org_dept = grant(world, "zzb", Role.ORG_DEPT, "party")
    with pytest.raises(PermissionDenied, match="超级管理员"):
        services.grant_role(other, world["party"], Role.ADMIN, actor=org_dept)


def test_codes_are_unique_among_active_orgs(world):
    with pytest.raises(ServiceError, match="已被") as error:
        services.create_org(
            actor=SYSTEM, parent=world["c1"], kind="grid", name="重号网格", code="43010400100101"
        )
    assert error.value.field == "code"
    with pytest.raises(ServiceError, match="已被"):
        services.update_org(world["g2"], actor=SYSTEM, code="43010400100101")
    services.archive_org(world["g2"], actor=SYSTEM, reason="网格调整")
    # an archived org's code may be reused by its successor
    services.create_org(
        actor=SYSTEM, parent=world["c1"], kind="grid", name="新第2网格", code="43010400100102"
    )


def test_people_of_an_org_include_post_holders(client, world):
    staff = grant(world, "shequ", Role.COMMUNITY_STAFF, "c1")
    client.force_login(staff)
    page = client.get(reverse("orgs:people"), {"org": world["g1"].pk}).content.decode()
    assert ">王网格</a>" in page and ">张居民</a>" not in page
