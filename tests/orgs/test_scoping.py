"""The scoping matrix: for each role, an insider sees the record and an outsider (same role,
other street/community/department/district) gets 404 or an empty list — on the pages, in the
admin changelists, and through ``visible_to`` itself."""

import pytest
from django.apps import apps
from django.urls import reverse

from orgs.models import Org, Person, Position, RoleGrant
from orgs.roles import Role
from orgs.scoping import ScopedQuerySetMixin, can, scope_paths
from party.models import Member

from ..conftest import ROLE_MATRIX, grant

pytestmark = pytest.mark.django_db

ROLES = list(ROLE_MATRIX)


def _pair(world, role):
    inside, outside, record = ROLE_MATRIX[role]
    insider = grant(world, f"in_{role}", role, inside)
    outsider = grant(world, f"out_{role}", role, outside)
    return insider, outsider, world.people[record], world[inside]


@pytest.mark.parametrize("role", ROLES)
def test_person_detail_insider_sees_outsider_404(client, world, role):
    insider, outsider, person, _ = _pair(world, role)
    url = reverse("orgs:person", args=[person.pk])
    client.force_login(insider)
    response = client.get(url)
    assert response.status_code == 200
    assert person.name in response.content.decode()
    client.force_login(outsider)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_org_detail_insider_sees_outsider_404(client, world, role):
    insider, outsider, _, org = _pair(world, role)
    url = reverse("orgs:detail", args=[org.pk])
    client.force_login(insider)
    assert client.get(url).status_code == 200
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("orgs:children", args=[org.pk])).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_people_list_and_search_are_scoped(client, world, role):
    insider, outsider, person, _ = _pair(world, role)
    client.force_login(insider)
    assert person.name in client.get(reverse("orgs:people")).content.decode()
    assert person.name in client.get(reverse("orgs:people"), {"q": person.name}).content.decode()
    client.force_login(outsider)
    page = client.get(reverse("orgs:people"), {"q": person.name}).content.decode()
    assert f">{person.name}</a>" not in page  # the search box still echoes the query
    assert "没有找到人员" in page


@pytest.mark.parametrize("role", ROLES)
def test_org_search_is_scoped(client, world, role):
    insider, outsider, _, org = _pair(world, role)
    client.force_login(insider)
    assert org.name in client.get(reverse("orgs:tree"), {"q": org.name}).content.decode()
    client.force_login(outsider)
    page = client.get(reverse("orgs:tree"), {"q": org.name}).content.decode()
    assert f">{org.name}<" not in page


STAFF_ROLES = [
    Role.ADMIN,
    Role.SUPERVISOR,
    Role.ORG_DEPT,
    Role.DISPATCHER,
    Role.DEPT_HANDLER,
    Role.COMMUNITY_STAFF,
]
ADMIN_CASES = (
    [(role, model) for role in STAFF_ROLES for model in ("person", "org", "rolegrant")]
    + [(role, "position") for role in STAFF_ROLES if role != Role.ORG_DEPT]
    + [(Role.ORG_DEPT, "member")]
)


@pytest.mark.parametrize(("role", "model"), ADMIN_CASES)
def test_admin_changelists_are_scoped(client, world, role, model):
    insider, outsider, person, org = _pair(world, role)
    app = "party" if model == "member" else "orgs"
    url = reverse(f"admin:{app}_{model}_changelist")
    if model == "position":
        person = Position.objects.filter(org_path__startswith=org.path).first().person
    elif model == "member":
        person = Member.objects.filter(org_path__startswith=org.path).first().person
    label = {"org": org.name, "rolegrant": f"in_{role}"}.get(model, person.name)
    client.force_login(insider)
    response = client.get(url)
    assert response.status_code == 200
    assert label in response.content.decode()
    client.force_login(outsider)
    response = client.get(url)
    assert response.status_code == 200
    assert label not in response.content.decode()


@pytest.mark.parametrize("role", [Role.COMMUNITY_STAFF, Role.DISPATCHER])
def test_admin_change_page_of_outside_record_is_not_reachable(client, world, role):
    _, outsider, person, _ = _pair(world, role)
    client.force_login(outsider)
    response = client.get(reverse("admin:orgs_person_change", args=[person.pk]))
    assert response.status_code in (302, 404)  # admin redirects to the index for missing objects
    assert person.name not in response.content.decode()


def test_resident_sees_only_own_record(client, world):
    jumin = grant(world, "jumin", Role.RESIDENT, "c1")
    Person.objects.filter(pk=world.people["resident1"].pk).update(user=jumin)
    client.force_login(jumin)
    assert client.get(reverse("orgs:tree")).status_code == 404
    assert client.get(reverse("orgs:people")).status_code == 404
    assert client.get(reverse("orgs:person", args=[world.people["resident1"].pk])).status_code == 200
    assert client.get(reverse("orgs:person", args=[world.people["worker1"].pk])).status_code == 404
    assert client.get(reverse("orgs:detail", args=[world["c1"].pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("orgs:detail", args=[world["c1"].pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert Org.objects.visible_to(None).count() == 0


def test_community_staff_see_the_party_branch_built_in_their_community(world):
    staff = grant(world, "shequ", Role.COMMUNITY_STAFF, "c1")
    visible = set(Org.objects.visible_to(staff).values_list("name", flat=True))
    assert "中共湖东社区支部委员会" in visible
    assert "中共桃子湖社区支部委员会" not in visible
    assert not can(staff, "change", world["b1"])  # seeing is not editing


def test_branch_secretary_sees_members_but_not_other_branches(world):
    shuji = grant(world, "shuji", Role.BRANCH_SECRETARY, "b1")
    names = set(Person.objects.visible_to(shuji).values_list("name", flat=True))
    assert "刘党员" in names and "孙党员" not in names and "张居民" not in names
    assert list(Member.objects.visible_to(shuji).values_list("person__name", flat=True)) == ["刘党员"]


def test_ended_grant_gives_no_access(world):
    import datetime

    user = grant(world, "former", Role.DISPATCHER, "s1")
    RoleGrant.objects.filter(user=user).update(end_on=datetime.date(2025, 1, 1))
    user.refresh_from_db()
    assert scope_paths(user, "view") == []
    assert Person.objects.visible_to(user).count() == 0


def test_grid_worker_does_not_see_other_grid_of_same_community(world):
    worker = grant(world, "wgy", Role.GRID_WORKER, "g1")
    assert list(Org.objects.visible_to(worker).values_list("name", flat=True)) == ["湖东社区第1网格"]
    assert not Position.objects.visible_to(worker).filter(org=world["g3"]).exists()


# Every app of the project: a new app's record models are covered without editing this test.
PROJECT_APPS = {
    "orgs",
    "audit",
    "party",
    "core",
    "workdays",
    "cases",
    "workplan",
    "api",
    "villages",
    "intel",
    "cadres",
    "rectify",
    "walks",
}


def test_every_record_model_offers_visible_to():
    """Meta-test: every model of Luoshi's own apps that holds records is scoped."""
    exempt = {
        "orgs.user": "accounts: superusers only, in the admin",
        "orgs.loginfailure": "django-axes' failure log (proxy): superusers only, in the admin",
        "audit.audithead": "internal to the audit chain",
        "audit.auditcheckpoint": "internal to the audit chain",
        "core.periodicjob": "worker bookkeeping",
        "core.notification": "always filtered by user=request.user",
        "core.workerheartbeat": "worker bookkeeping",
        "core.notificationdelivery": "delivery bookkeeping, no page shows it",
        "workdays.calendaroverride": "configuration",
        "workdays.officialyear": "configuration",
        "cases.category": "configuration",
        "cases.slarule": "configuration",
        "cases.evaluationweights": "configuration",
        "cases.casecounter": "internal numbering",
        "cases.monthlyfigures": "derived monthly counts, read only by cases.evaluation for the rankings",
        "core.docnumbercounter": "internal numbering",
        "cases.casefollow": "an anonymous follow count, read only for a listed public case",
        "cases.reportermessage": "reached only through a visible case (and the operators' admin list)",
        "cases.reporterdelivery": "reached only through a visible case (and the operators' admin list)",
        "cases.caseattachment": "reached only through a visible case",
        "workplan.supervisionrule": "configuration",
        "workplan.doccounter": "internal numbering",
        "workplan.milestone": "reached only through a visible task",
        "workplan.evidence": "reached only through a visible task",
        "workplan.tasklink": "reached only through a visible task",
        "intel.keywordrule": "configuration",
        "intel.modelversion": "model bookkeeping",
        "party.memberyear": "derived from attendance; read only for a member queryset already scoped",
        "party.findingssnapshot": "derived findings; read only for an organization already scoped",
        "cadres.ground": "configuration (rule data: the grounds of adjustments and 问责)",
        "walks.checklistitem": "configuration (the “四最” checklist)",
        "walks.walkstep": "reached only through a visible walk",
        "walks.walkcheck": "reached only through a visible walk",
        "walks.walkproblem": "reached only through a visible walk",
        "walks.walkphoto": "reached only through a visible walk",
    }
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        if model._meta.label_lower in exempt:
            continue
        assert isinstance(model._default_manager.all(), ScopedQuerySetMixin), model._meta.label
