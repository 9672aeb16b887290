"""The admin writes through the services: rules apply, errors name the field, saves are audited."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from orgs.models import Org, Person
from orgs.roles import Role

from ..conftest import grant
from ..factories import invalid_id_number, valid_id_number

pytestmark = pytest.mark.django_db


def test_staff_adds_a_grid_in_scope(client, world):
    staff = grant(world, "shequ", Role.COMMUNITY_STAFF, "c1")
    client.force_login(staff)
    url = reverse("admin:orgs_org_add")
    response = client.post(
        url,
        {
            "name": "湖东社区第3网格",
            "kind": "grid",
            "parent": world["c1"].pk,
            "households": "320",
            "geometry": "null",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grid = Org.objects.get(name="湖东社区第3网格")
    assert grid.path.startswith(world["c1"].path) and grid.households == 320
    assert AuditEvent.objects.for_subject(grid).get().action == "org.created"


def test_admin_form_reports_rule_errors_on_the_form(client, world):
    staff = grant(world, "shequ", Role.COMMUNITY_STAFF, "c1")
    client.force_login(staff)
    before = Org.objects.count()
    response = client.post(
        reverse("admin:orgs_org_add"),
        {"name": "错误", "kind": "community", "parent": world["g1"].pk, "geometry": "null"},
    )
    assert response.status_code == 200
    assert "下不能设立" in response.content.decode()
    # a parent outside the scope is not even a choice
    response = client.post(
        reverse("admin:orgs_org_add"),
        {"name": "越权", "kind": "grid", "parent": world["c3"].pk, "geometry": "null"},
    )
    assert (
        "选择一个有效的选项" in response.content.decode()
        or "Select a valid choice" in response.content.decode()
    )
    assert Org.objects.count() == before


def test_admin_person_add_validates_id_number(client, world):
    staff = grant(world, "shequ", Role.COMMUNITY_STAFF, "c1")
    client.force_login(staff)
    url = reverse("admin:orgs_person_add")
    data = {
        "name": "新居民",
        "gender": "M",
        "ethnicity": "汉族",
        "org": world["c1"].pk,
        "id_number": invalid_id_number(),
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "校验位" in response.content.decode()
    data["id_number"] = valid_id_number()
    response = client.post(url, data)
    assert response.status_code == 302
    person = Person.objects.get(name="新居民")
    assert person.id_number_clear() == data["id_number"]
    assert AuditEvent.objects.for_subject(person).get().action == "person.created"


def test_no_delete_anywhere_in_admin(client, world):
    staff = grant(world, "admin2", Role.ADMIN, "district")
    client.force_login(staff)
    response = client.get(reverse("admin:orgs_org_delete", args=[world["g2"].pk]))
    assert response.status_code == 403
    assert "delete_selected" not in client.get(reverse("admin:orgs_person_changelist")).content.decode()
