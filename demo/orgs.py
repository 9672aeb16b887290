"""The demo district (演示数据): 长沙市岳麓区 with its real streets, communities and villages, and
invented grids, departments, 两新组织, party organizations, party members and demo accounts.

``build_demo()`` builds it in one transaction (a few seconds: org nodes get computed materialized
paths and every table is filled with ``bulk_create``), or, when a demo district already exists,
reuses it and only re-ensures the demo accounts, their passwords, grants and positions.
``luoshi build_demo`` and ``luoshi demo`` call it. Everything is seeded with
``random.Random(20261129)``: two builds on the same day give the same data (dates are counted back
from the day of the build).

The administrative divisions are read from ``demo/data/`` only (see ``demo/data/README.md``).
"""

from __future__ import annotations

import datetime
import json
import random
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.strtree import STRtree

from audit.services import Subject, record
from core.actors import SYSTEM
from demo import names
from demo.bulk import analyze
from orgs import services
from orgs.models import ALLOWED_CHILDREN, PARTY_KINDS, UNIT_KINDS, Org, Person, Position, RoleGrant, User
from orgs.roles import Role
from orgs.validators import id_check_digit
from party.models import Member, MemberCategory, MemberStatus

SEED = 20261129
DATA_DIR = Path(__file__).resolve().parent / "data"
DIVISIONS_FILE = DATA_DIR / "430104_changsha_yuelu_tree.json"

DEMO_BUILT = services.DEMO_BUILT

PARTY_ROOT_NAME = "中共长沙市岳麓区委员会"
PARTY_PREFIX = "中共长沙市岳麓区"
DISPATCH_OFFICE_SUFFIX = "综治中心(网格化服务管理中心)"
ORGAN_COMMITTEE_NAME = "中共长沙市岳麓区直属机关工作委员会"
# The street, community and grid the demo accounts work in.
DEMO_STREET_CODE = "430104001"  # 望月湖街道
DEMO_COMMUNITY_CODE = "430104001001"  # 湖东社区
DEMO_GRID_CODE = DEMO_COMMUNITY_CODE + "01"  # 湖东社区第1网格
SUPERVISION_DEPT = "区委督查室"
ORG_DEPT = "区委组织部"
URBAN_MANAGEMENT_DEPT = "区城市管理和综合执法局"

GRID_PRECISION = 1e-6  # grid boundaries are snapped to 6 decimals (about 0.1 m)
SECRETARY_KINDS = ("party_committee", "working_committee", "general_branch", "branch")


# ---------------------------------------------------------------------------------------------
# Results


class DemoDataError(RuntimeError):
    """The existing demo district lacks a unit the demo accounts need."""


@dataclass(frozen=True)
class DemoAccount:
    username: str
    identity: str  # 身份, e.g. "湖东社区 社区工作人员"
    sees: str  # 登录后看到什么
    managed: bool = True  # False: the username belongs to a non-demo account, left untouched


@dataclass
class DemoSummary:
    reused: bool
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    vacant_secretaries: list[str] = field(default_factory=list)
    accounts: list[DemoAccount] = field(default_factory=list)
    password: str = ""


# ---------------------------------------------------------------------------------------------
# Small helpers


def _step(number: int) -> str:
    """One materialized-path step of treebeard's MP_Node: base 36, padded to ``steplen``."""
    alphabet, digits = Org.alphabet, ""
    while number:
        number, rest = divmod(number, len(alphabet))
        digits = alphabet[rest] + digits
    if len(digits) > Org.steplen:
        raise ValueError("path step overflow")
    return digits.rjust(Org.steplen, alphabet[0])


def _unstep(step: str) -> int:
    value = 0
    for char in step:
        value = value * len(Org.alphabet) + Org.alphabet.index(char)
    return value


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _random_day(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    span = max((end - start).days, 0)
    return start + datetime.timedelta(days=int(rng.random() * (span + 1)))


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _ordinal(number: int) -> str:
    return names.CHINESE_ORDINALS[number - 1]


def unit_display_name(raw: str, is_village: bool) -> str:
    """湖东社区居委会 → 湖东社区, 银谷国际社区居民委员会 → 银谷国际社区, 左家垅村委会 → 左家垅村."""
    if is_village:
        for suffix in ("村民委员会", "村委会"):
            if raw.endswith(suffix):
                return raw[: -len(suffix)] + "村"
        return raw if raw.endswith("村") else raw + "村"
    for suffix in ("居民委员会", "居委会", "委员会"):
        if raw.endswith(suffix):
            return raw[: -len(suffix)]
    return raw


def is_village_code(code: str) -> bool:
    """In the 12-digit statistical code, 001–199 are 居委会 and 200–399 are 村委会."""
    return int(code[9:12]) >= 200


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def make_credit_code(rng: random.Random, kind: str) -> str:
    """A well-formed 统一社会信用代码 (GB 32100) registered in 岳麓区: 91… for companies, 51…/52… for
    social organizations; both check characters are computed."""
    body = "MA4" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(5))
    org_check = 11 - sum(int(c, 36) * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True)) % 11
    org_code = body + {10: "X", 11: "0"}.get(org_check, str(org_check))
    first17 = kind + "430104" + org_code
    check = 31 - sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True)) % 31
    return first17 + _USCC_CHARS[0 if check == 31 else check]


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _display_width(text), 0)


# ---------------------------------------------------------------------------------------------
# Grid geometry


def _district_polygon() -> Polygon:
    # Convex, so that every clipped Voronoi cell below stays a single convex polygon.
    return Polygon(names.DISTRICT_OUTLINE).convex_hull


def _sample_points(area: Polygon, count: int, rng: random.Random, spacing: float = 0.5) -> list[tuple]:
    """``count`` random points inside ``area``, kept apart (a cheap Poisson-disc sample)."""
    minx, miny, maxx, maxy = area.bounds
    min_dist2 = area.area / count * spacing * spacing
    shapely.prepare(area)
    points: list[tuple[float, float]] = []
    tries = 0
    while len(points) < count:
        tries += 1
        x, y = minx + rng.random() * (maxx - minx), miny + rng.random() * (maxy - miny)
        if not shapely.contains_xy(area, x, y):
            continue
        if tries < 3000 and any((x - a) ** 2 + (y - b) ** 2 < min_dist2 for a, b in points):
            continue
        points.append((x, y))
    return points


def _voronoi_cells(area: Polygon, points: list[tuple]) -> list[Polygon]:
    """The Voronoi cells of ``points`` clipped to ``area``, in the order of ``points``."""
    cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(points), extend_to=area))
    tree = STRtree(cells)
    result = []
    for x, y in points:
        (index,) = tree.query(Point(x, y), predicate="within")
        result.append(cells[index].intersection(area))
    return result


def _to_geojson(face: Polygon) -> dict:
    face = shapely.orient_polygons(face)  # exterior counter-clockwise (RFC 7946)
    ring: list[list[float]] = []
    for x, y in shapely.get_coordinates(face.exterior):
        point = [round(float(x), 6), round(float(y), 6)]
        if not ring or ring[-1] != point:
            ring.append(point)
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    polygon = Polygon(ring)
    if not polygon.is_valid or polygon.is_empty or len(face.interiors):
        raise RuntimeError("演示网格边界生成失败(多边形无效)")
    return {"type": "Polygon", "coordinates": [ring]}


def plan_grid_geometry(streets: list[tuple[str, list[tuple[str, int]]]], rng: random.Random) -> dict:
    """Grid boundaries for the whole district: ``{unit code: [GeoJSON Polygon, …]}``.

    ``streets`` is ``[(street name, [(unit code, number of grids), …]), …]``. The district outline
    is split into street cells (Voronoi cells around the streets' approximate centres), each street
    into community/village cells and each of those into grid cells (Voronoi cells of random points).
    The grid boundaries are then noded and snapped together to 6 decimals and polygonized, so that
    neighbouring grids share exactly the same vertices: after rounding the grids still tile the
    district without overlaps or gaps. Grids of a unit are numbered north-west to south-east.
    """
    district = _district_polygon()
    centres = [names.STREET_CENTRES[street] for street, _ in streets]
    cells: list[Polygon] = []
    owners: list[str] = []
    for (_street, units), street_cell in zip(streets, _voronoi_cells(district, centres), strict=True):
        unit_points = _sample_points(street_cell, len(units), rng)
        for (code, count), unit_cell in zip(units, _voronoi_cells(street_cell, unit_points), strict=True):
            grid_points = _sample_points(unit_cell, count, rng)
            cells.extend(_voronoi_cells(unit_cell, grid_points))
            owners.extend([code] * count)

    lines = shapely.union_all([cell.boundary for cell in cells], grid_size=GRID_PRECISION)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    tree = STRtree(cells)
    face_of: dict[int, Polygon] = {}
    for face in faces:
        hits = tree.query(face.point_on_surface(), predicate="within")
        if len(hits) != 1 or int(hits[0]) in face_of:
            raise RuntimeError("演示网格边界生成失败(网格划分不唯一)")
        face_of[int(hits[0])] = face
    if len(face_of) != len(cells):
        raise RuntimeError("演示网格边界生成失败(网格数量不符)")

    by_unit: dict[str, list[Polygon]] = {}
    for index, code in enumerate(owners):
        by_unit.setdefault(code, []).append(face_of[index])
    result = {}
    for code, faces_of_unit in by_unit.items():
        faces_of_unit.sort(key=lambda f: (-round(f.centroid.y, 3), f.centroid.x))
        result[code] = [_to_geojson(face) for face in faces_of_unit]
    return result


# ---------------------------------------------------------------------------------------------
# Reading the divisions


@dataclass
class _Unit:
    code: str
    name: str
    kind: str  # community / village
    org: Org | None = None
    grids: list[Org] = field(default_factory=list)
    party: Org | None = None  # the party organization built in the unit


@dataclass
class _Street:
    code: str
    name: str
    kind: str  # street / town
    units: list[_Unit]
    org: Org | None = None
    office: Org | None = None  # the dispatch centre (综治中心)
    two_new: list[Org] = field(default_factory=list)
    party: Org | None = None  # 街道党工委 / 镇党委
    organ_branch: Org | None = None  # 机关党支部


def load_divisions() -> tuple[dict, list[_Street]]:
    data = json.loads(DIVISIONS_FILE.read_text(encoding="utf-8"))
    streets = []
    for raw in data["streets"]:
        kind = "street" if raw["name"].endswith("街道") else "town"
        units = []
        for unit in raw["villages"]:
            village = is_village_code(unit["code"])
            units.append(
                _Unit(
                    code=unit["code"],
                    name=unit_display_name(unit["name"], village),
                    kind="village" if village else "community",
                )
            )
        streets.append(_Street(code=raw["code"], name=raw["name"], kind=kind, units=units))
    return data["district"], streets


# ---------------------------------------------------------------------------------------------
# The in-memory org forest


class _Forest:
    """Org nodes built in memory and saved with computed materialized paths (one bulk insert per tree)."""

    def __init__(self):
        self.roots: list[Org] = []
        self.children: dict[int, list[Org]] = {}

    def add(self, parent: Org | None, kind: str, name: str, **fields) -> Org:
        allowed = ALLOWED_CHILDREN[parent.kind if parent is not None else None]
        if kind not in allowed:
            raise ValueError(f"{kind} may not sit under {parent.kind if parent is not None else 'the root'}")
        host = fields.get("host")
        if host is not None and (kind not in PARTY_KINDS or host.kind not in UNIT_KINDS):
            raise ValueError(f"bad host for {name}")
        org = Org(kind=kind, name=name, is_demo=True, **fields)
        self.children[id(org)] = []
        (self.children[id(parent)] if parent is not None else self.roots).append(org)
        return org

    def save(self) -> None:
        last = Org.objects.get_last_root_node()
        first_step = _unstep(last.path[: Org.steplen]) + 1 if last else 1
        now = timezone.now()
        for offset, root in enumerate(self.roots):
            ordered: list[Org] = []
            stack = [(root, _step(first_step + offset))]
            while stack:
                org, path = stack.pop()
                kids = self.children[id(org)]
                org.path, org.depth = path, len(path) // Org.steplen
                org.numchild, org.created_at = len(kids), now
                ordered.append(org)
                stack.extend((kid, path + _step(i)) for i, kid in reversed(list(enumerate(kids, 1))))
            for org in ordered:
                if org.host is not None:
                    org.host_id = org.host.pk  # saved with an earlier tree
            Org.objects.bulk_create(ordered, batch_size=500)


# ---------------------------------------------------------------------------------------------
# The builder

# Birth-year profiles: (first year, last year, weight).
_AGE_PROFILES = {
    "community": ((1940, 1954, 20), (1955, 1964, 26), (1965, 1979, 24), (1980, 1994, 21), (1995, 2004, 9)),
    "village": ((1940, 1954, 26), (1955, 1964, 30), (1965, 1979, 25), (1980, 1994, 15), (1995, 2004, 4)),
    "retired": ((1940, 1952, 50), (1953, 1963, 50)),
    "cadre": ((1966, 1975, 25), (1976, 1988, 45), (1989, 2001, 30)),
    "enterprise": ((1970, 1984, 30), (1985, 1995, 50), (1996, 2003, 20)),
    "worker": ((1972, 1984, 30), (1985, 2001, 70)),
}
_JOIN_AGES = {"cadre": (21, 32), "enterprise": (20, 35), "worker": (20, 32)}


class _Builder:
    def __init__(self, today: datetime.date):
        self.rng = random.Random(SEED)
        self.today = today
        self.forest = _Forest()
        self.persons: list[Person] = []
        self.members: list[Member] = []
        self.positions: list[Position] = []
        self.branch_members: dict[int, list[tuple[Person, Member]]] = {}
        self.used_ids: set[str] = set()
        self.busy: set[int] = set()  # persons already holding a generated post (by id())
        self.secretary_of: dict[int, Person] = {}
        self.departments: dict[str, Org] = {}
        self.dept_branches: dict[str, Org] = {}
        self.party_plan: dict[int, str | None] = {}  # 两新组织 → "branch", "joint:<key>" or None
        self.vacant: list[Org] = []

    # -- people ---------------------------------------------------------------------------------

    def _birth(self, profile: str) -> datetime.date:
        bands = _AGE_PROFILES[profile]
        first, last, _ = self.rng.choices(bands, weights=[band[2] for band in bands])[0]
        return _random_day(self.rng, datetime.date(first, 1, 1), datetime.date(last, 12, 31))

    def _name(self, gender: str, born: datetime.date) -> str:
        cohort = "old" if born.year < 1960 else "mid" if born.year < 1985 else "young"
        return _weighted(self.rng, names.SURNAMES) + self.rng.choice(names.GIVEN_NAMES[(cohort, gender)])

    def _education(self, profile: str, born: datetime.date) -> str:
        if profile == "cadre":
            table = {"大学本科": 60, "硕士研究生": 25, "大专": 12, "博士研究生": 3}
        elif profile == "enterprise":
            table = {"大学本科": 50, "大专": 25, "硕士研究生": 15, "高中": 10}
        elif profile == "worker":
            table = {"大专": 45, "大学本科": 47, "高中": 8}
        elif born.year < 1955:
            table = {"小学": 30, "初中": 38, "高中": 22, "中专": 10}
        elif born.year < 1970:
            table = {"小学": 8, "初中": 32, "高中": 33, "中专": 14, "大专": 13}
        elif born.year < 1985:
            table = {"初中": 10, "高中": 22, "中专": 13, "大专": 32, "大学本科": 23}
        else:
            table = {"高中": 6, "大专": 34, "大学本科": 52, "硕士研究生": 8}
        if profile == "village" and born.year < 1985:
            table = {key: value * (2 if key in ("小学", "初中") else 1) for key, value in table.items()}
        return _weighted(self.rng, table)

    def _id_number(self, born: datetime.date, gender: str) -> str:
        rng = self.rng
        while True:
            # Sequence digits 000–899; 9xx is kept for the demo accounts.
            third = rng.choice("13579" if gender == "M" else "02468")
            first17 = f"430104{born:%Y%m%d}{rng.randint(0, 89):02d}{third}"
            if first17 not in self.used_ids:
                self.used_ids.add(first17)
                return first17 + id_check_digit(first17)

    def _phone(self) -> str:
        return self.rng.choice(names.MOBILE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"

    def person(self, org: Org, profile: str, *, female_share: float = 0.4) -> Person:
        rng = self.rng
        born = self._birth(profile)
        gender = "F" if rng.random() < female_share else "M"
        person = Person(
            org=org,
            org_path=org.path,
            name=self._name(gender, born),
            gender=gender,
            ethnicity=_weighted(rng, names.ETHNICITIES),
            birth_date=born,
            education=self._education(profile, born),
            is_demo=True,
        )
        person.set_id_number(self._id_number(born, gender))
        person.set_phone(self._phone())
        self.persons.append(person)
        return person

    def member(self, branch: Org, home: Org, profile: str) -> tuple[Person, Member]:
        """A party member of ``branch`` whose home unit is ``home``."""
        rng, today = self.rng, self.today
        person = self.person(home, profile)
        born = person.birth_date
        age = person.age_on(today)
        status = MemberStatus.NORMAL
        if age < 45 and rng.random() < 0.09:
            category = MemberCategory.PROBATIONARY
            joined = today - datetime.timedelta(days=rng.randint(20, 350))
            full = None
        else:
            category = MemberCategory.FORMAL
            low, high = _JOIN_AGES.get(profile, (19, 45))
            joined = born + datetime.timedelta(days=int(rng.uniform(low, high) * 365.25))
            latest = today - datetime.timedelta(days=400)
            if joined > latest:
                joined = _random_day(rng, _add_years(born, 18) + datetime.timedelta(days=1), latest)
            full = _add_years(joined, 1)
            if age >= 78 and rng.random() < 0.03:
                status = MemberStatus.DECEASED
            elif age < 55 and profile in ("community", "village", "enterprise") and rng.random() < 0.01:
                status = MemberStatus.LOST_CONTACT
        membership = Member(
            person=person,
            org=branch,
            org_path=branch.path,
            category=category,
            joined_on=joined,
            full_member_on=full,
            status=status,
            is_demo=True,
        )
        self.members.append(membership)
        pair = (person, membership)
        self.branch_members.setdefault(id(branch), []).append(pair)
        return pair

    def fill_branch(self, branch: Org, homes: list[Org], profile: str, count: int) -> None:
        for i in range(count):
            self.member(branch, homes[i % len(homes)], profile)

    def position(
        self,
        person: Person,
        org: Org,
        kind: str,
        title: str,
        start_on: datetime.date,
        end_on: datetime.date | None = None,
        end_reason: str = "",
    ) -> Position:
        position = Position(
            person=person,
            org=org,
            org_path=org.path,
            kind=kind,
            title=title,
            start_on=start_on,
            end_on=end_on,
            end_reason=end_reason,
        )
        self.positions.append(position)
        self.busy.add(id(person))
        if kind == "secretary" and end_on is None:
            self.secretary_of[id(org)] = person
        return position

    def pick(self, pool: list[tuple[Person, Member]], min_age: int = 28, max_age: int = 62) -> Person:
        """A member in good standing, preferably of working age and without another post."""
        good = [p for p, m in pool if m.status == MemberStatus.NORMAL and m.category == MemberCategory.FORMAL]
        free = [p for p in good if id(p) not in self.busy]
        for candidates in (
            [p for p in free if min_age <= p.age_on(self.today) <= max_age],
            free,
            good,
            [p for p, _ in pool],
        ):
            if candidates:
                return self.rng.choice(candidates)
        raise RuntimeError("no member to appoint")

    def _start(self, earliest: datetime.date) -> datetime.date:
        return _random_day(self.rng, earliest, self.today - datetime.timedelta(days=30))

    # -- the administrative tree ------------------------------------------------------------------

    def build_units(self, district: dict, streets: list[_Street]) -> Org:
        rng, forest = self.rng, self.forest
        root = forest.add(
            None,
            "district",
            district["name"],
            code=district["code"],
            short_name="岳麓区",
            doc_prefix="岳",  # 发文代字: 岳督办〔2026〕12号
            phone="0731-88999000",
        )
        for street in streets:
            street.org = forest.add(root, street.kind, street.name, code=street.code, phone=self._landline())
            for unit in street.units:
                unit.org = forest.add(
                    street.org, unit.kind, unit.name, code=unit.code, phone=self._landline()
                )
        for name, short_name, _sizes in names.DEPARTMENTS:
            dept = forest.add(root, "department", name, short_name=short_name, phone=self._landline())
            self.departments[name] = dept
            for office_name, office_short in names.DEPARTMENT_OFFICES.get(name, ()):
                forest.add(dept, "office", office_name, short_name=office_short, phone=self._landline())
        by_name = {street.name: street for street in streets}
        for rows, kind, prefix in (
            (names.ENTERPRISES, "enterprise", "91"),
            (names.SOCIAL_ORGS, "social_org", None),
        ):
            for street_name, name, short_name, party in rows:
                street = by_name[street_name]
                credit_prefix = prefix or ("51" if name.endswith(("协会", "商会")) else "52")
                org = forest.add(
                    street.org,
                    kind,
                    name,
                    short_name=short_name,
                    code=make_credit_code(rng, credit_prefix),
                    phone=self._landline(),
                )
                self.party_plan[id(org)] = party
                street.two_new.append(org)
        for street in streets:
            street.office = forest.add(
                street.org,
                "office",
                street.name + DISPATCH_OFFICE_SUFFIX,
                short_name=street.name.removesuffix("街道") + "综治中心",
                phone=self._landline(),
            )

        # Grids with their boundaries.
        counts = {unit.code: rng.randint(3, 8) for street in streets for unit in street.units}
        plan = [
            (street.name, [(unit.code, counts[unit.code]) for unit in street.units]) for street in streets
        ]
        geometry = plan_grid_geometry(plan, rng)
        for street in streets:
            for unit in street.units:
                low, high = (150, 400) if unit.kind == "village" else (300, 500)
                for number, polygon in enumerate(geometry[unit.code], 1):
                    unit.grids.append(
                        forest.add(
                            unit.org,
                            "grid",
                            f"{unit.name}第{number}网格",
                            code=f"{unit.code}{number:02d}",
                            grid_type="comprehensive",
                            households=rng.randint(low, high),
                            geometry=polygon,
                        )
                    )
        self.root = root
        return root

    def _landline(self) -> str:
        return f"0731-8{self.rng.randint(0, 9_999_999):07d}"

    # -- the party tree ---------------------------------------------------------------------------

    def build_party(self, streets: list[_Street]) -> Org:
        rng, forest = self.rng, self.forest
        party_root = forest.add(None, "party_committee", PARTY_ROOT_NAME, short_name="区委", host=self.root)
        self.party_root = party_root

        # Which communities/villages get a general branch or a party committee (the biggest ones).
        units = [unit for street in streets for unit in street.units if unit.code != DEMO_COMMUNITY_CODE]

        def size(unit):
            return sum(grid.households for grid in unit.grids)

        communities = sorted((u for u in units if u.kind == "community"), key=size, reverse=True)
        villages = sorted((u for u in units if u.kind == "village"), key=size, reverse=True)
        form = {unit.code: "branch" for unit in units}
        for unit in communities[:2]:
            form[unit.code] = "party_committee"
        for unit in rng.sample(communities[2:30], 8) + villages[:3]:
            form[unit.code] = "general_branch"
        form[DEMO_COMMUNITY_CODE] = "branch"

        for street in streets:
            street_name = street.name
            if street.kind == "street":
                committee = forest.add(
                    party_root,
                    "working_committee",
                    f"{PARTY_PREFIX}{street_name}工作委员会",
                    short_name=f"{street_name}党工委",
                    host=street.org,
                )
            else:
                committee = forest.add(
                    party_root,
                    "party_committee",
                    f"{PARTY_PREFIX}{street_name}委员会",
                    short_name=f"{street_name}党委",
                    host=street.org,
                )
            street.party = committee
            organ = forest.add(
                committee,
                "branch",
                f"{PARTY_PREFIX}{street_name}机关支部委员会",
                short_name=f"{street_name}机关党支部",
                host=street.org,
            )
            self.fill_branch(organ, [street.org], "cadre", rng.randint(7, 10))
            street.organ_branch = organ
            for unit in street.units:
                self._unit_party(committee, street, unit, form[unit.code])
            self._two_new_party(committee, street)

        organs = forest.add(
            party_root, "working_committee", ORGAN_COMMITTEE_NAME, short_name="区直机关工委", host=self.root
        )
        self.organ_committee = organs
        for name, _short, (low, high) in names.DEPARTMENTS:
            dept = self.departments[name]
            inner = name.removeprefix("区")
            full = (
                f"中共{name}机关支部委员会"
                if name.startswith("长沙市")
                else f"{PARTY_PREFIX}{inner}机关支部委员会"
            )
            branch = forest.add(organs, "branch", full, short_name=f"{dept.short_name}机关党支部", host=dept)
            self.fill_branch(branch, [dept], "cadre", rng.randint(low, high))
            self.dept_branches[name] = branch
        return party_root

    def _unit_party(self, committee: Org, street: _Street, unit: _Unit, form: str) -> None:
        rng, forest = self.rng, self.forest
        profile = "village" if unit.kind == "village" else "community"
        base = f"{PARTY_PREFIX}{street.name}{unit.name}"
        if form == "branch":
            low, high = (8, 13) if unit.kind == "village" else (9, 15)
            branch = forest.add(
                committee, "branch", f"{base}支部委员会", short_name=f"{unit.name}党支部", host=unit.org
            )
            self.fill_branch(branch, [unit.org], profile, rng.randint(low, high))
            self._groups(branch)
            unit.party = branch
            return
        if form == "general_branch":
            total = rng.randint(52, 66) if unit.kind == "village" else rng.randint(54, 80)
            parent = forest.add(
                committee,
                "general_branch",
                f"{base}总支部委员会",
                short_name=f"{unit.name}党总支",
                host=unit.org,
            )
            parts = 2 if total < 62 else 3
            labels = [f"第{_ordinal(i)}" for i in range(1, parts + 1)]
            profiles = [profile] * parts
        else:
            total = rng.randint(101, 118)
            parent = forest.add(
                committee, "party_committee", f"{base}委员会", short_name=f"{unit.name}党委", host=unit.org
            )
            parts = 4
            labels = ["第一", "第二", "第三", "离退休党员"]
            profiles = [profile, profile, profile, "retired"]
        unit.party = parent
        sizes = [total // parts + (1 if i < total % parts else 0) for i in range(parts)]
        for label, part_profile, count in zip(labels, profiles, sizes, strict=True):
            branch = forest.add(
                parent,
                "branch",
                f"{base}{label}支部委员会",
                short_name=f"{unit.name}{label}党支部",
                host=unit.org,
            )
            self.fill_branch(branch, [unit.org], part_profile, count)
            self._groups(branch)

    def _groups(self, branch: Org) -> None:
        """党小组 in some bigger branches, each with a group leader."""
        pool = self.branch_members[id(branch)]
        if len(pool) < 22 or self.rng.random() > 0.3:
            return
        for number in range(1, self.rng.randint(2, 3) + 1):
            group = self.forest.add(
                branch,
                "group",
                f"{branch.short_name}第{_ordinal(number)}党小组",
                short_name=f"第{_ordinal(number)}党小组",
            )
            self.position(
                self.pick(pool, 30, 70),
                group,
                "group_leader",
                "党小组组长",
                self._start(datetime.date(2021, 6, 1)),
            )

    def _two_new_party(self, committee: Org, street: _Street) -> None:
        rng, forest = self.rng, self.forest
        joints: dict[str, list[Org]] = {}
        for unit in street.two_new:
            party = self.party_plan[id(unit)]
            if party == "branch":
                branch = forest.add(
                    committee,
                    "branch",
                    f"中共{unit.name}支部委员会",
                    short_name=f"{unit.short_name}党支部",
                    host=unit,
                )
                high = 15 if unit.kind == "enterprise" else 8
                self.fill_branch(branch, [unit], "enterprise", rng.randint(3, high))
            elif party:
                joints.setdefault(party.split(":", 1)[1], []).append(unit)
        for covered in joints.values():
            what = "非公企业" if covered[0].kind == "enterprise" else "社会组织"
            short = "联合党支部(" + "、".join(unit.short_name for unit in covered) + ")"
            branch = forest.add(
                committee,
                "branch",
                f"{PARTY_PREFIX}{street.name}{what}联合支部委员会",
                short_name=short[:50],
                host=covered[0],
            )
            self.fill_branch(branch, covered, "enterprise", rng.randint(len(covered) + 2, 9))

    # -- posts ------------------------------------------------------------------------------------

    def appoint_party_leaders(self, streets: list[_Street]) -> None:
        rng = self.rng
        election = datetime.date(2021, 3, 1)  # 村(社区)“两委”换届

        # Branches left without a secretary on purpose (a later check flags them).
        plain = [
            unit.party
            for street in streets
            for unit in street.units
            if unit.party.kind == "branch" and unit.code != DEMO_COMMUNITY_CODE
        ]
        villages = [b for b in plain if b.host.kind == "village"]
        communities = [b for b in plain if b.host.kind == "community"]
        enterprise = [
            b
            for street in streets
            for b in self._children(street.party)
            if b.host is not None and b.host.kind == "enterprise"
        ]
        self.vacant = [rng.choice(communities), rng.choice(villages), rng.choice(enterprise)]
        vacant_ids = {id(b) for b in self.vacant}

        def lead(org: Org, titles: tuple[str, str], since: datetime.date) -> None:
            self._lead(org, titles, since, vacant_ids, election)

        titles = {
            "branch": ("党支部书记", "党支部副书记"),
            "general_branch": ("党总支书记", "党总支副书记"),
            "party_committee": ("党委书记", "党委副书记"),
        }
        for street in streets:
            for unit in street.units:
                party = unit.party
                lead(party, titles[party.kind], election)
                for kid in self._children(party):
                    if kid.kind == "branch":
                        lead(kid, titles["branch"], election)
            organ = street.organ_branch
            lead(organ, titles["branch"], datetime.date(2019, 1, 1))
            committee = street.party
            head = "党工委" if committee.kind == "working_committee" else "镇党委"
            pool = self.branch_members[id(organ)]
            self.position(
                self.pick(pool, 40, 58),
                committee,
                "secretary",
                f"{head}书记",
                self._start(datetime.date(2020, 1, 1)),
            )
            self.position(
                self.pick(pool, 35, 58),
                committee,
                "deputy_secretary",
                f"{head}副书记",
                self._start(datetime.date(2020, 1, 1)),
            )
            for branch in self._children(committee)[1:]:
                if branch.host.kind in ("enterprise", "social_org"):
                    lead(branch, titles["branch"], datetime.date(2019, 1, 1))
        for branch in self.dept_branches.values():
            lead(branch, titles["branch"], datetime.date(2019, 1, 1))
        office_pool = self.branch_members[id(self.dept_branches["区委办公室"])]
        self.position(
            self.pick(office_pool, 45, 60),
            self.party_root,
            "secretary",
            "区委书记",
            self._start(datetime.date(2021, 6, 1)),
        )
        for _ in range(2):
            self.position(
                self.pick(office_pool, 40, 60),
                self.party_root,
                "deputy_secretary",
                "区委副书记",
                self._start(datetime.date(2021, 6, 1)),
            )
        org_pool = self.branch_members[id(self.dept_branches[ORG_DEPT])]
        self.position(
            self.pick(org_pool, 40, 58),
            self.organ_committee,
            "secretary",
            "区直机关工委书记",
            self._start(datetime.date(2021, 6, 1)),
        )

    def _leaf_pool(self, org: Org) -> list[tuple[Person, Member]]:
        """The members of ``org``'s branches (its own, for a branch)."""
        if org.kind == "branch":
            return self.branch_members.get(id(org), [])
        return [pair for kid in self._children(org) for pair in self._leaf_pool(kid)]

    def _lead(
        self,
        org: Org,
        titles: tuple[str, str],
        since: datetime.date,
        vacant_ids: set[int],
        election: datetime.date,
    ) -> None:
        """``org``'s secretary (or a former one, left vacant on purpose), deputy and committee."""
        rng, today = self.rng, self.today
        pool = self._leaf_pool(org)
        if not pool:
            return
        if id(org) in vacant_ids:
            former = self.pick(pool, 30, 65)
            start = _random_day(rng, election, today - datetime.timedelta(days=400))
            end = today - datetime.timedelta(days=rng.randint(40, 120))
            self.position(former, org, "secretary", titles[0], start, end, "工作调动")
        elif org.kind != "branch" or org.host.code != DEMO_COMMUNITY_CODE:
            self.position(self.pick(pool, 32, 62), org, "secretary", titles[0], self._start(since))
        if len(pool) >= 7 and org.kind != "working_committee":
            seats = rng.randint(2, 4) if org.kind == "branch" else rng.randint(3, 5)
            if rng.random() < 0.35:
                self.position(self.pick(pool, 28, 62), org, "deputy_secretary", titles[1], self._start(since))
                seats -= 1
            for title in names.BRANCH_COMMITTEE_TITLES[:seats]:
                self.position(self.pick(pool, 25, 62), org, "committee_member", title, self._start(since))

    def _children(self, org: Org) -> list[Org]:
        return self.forest.children[id(org)]

    def appoint_workers(self, streets: list[_Street]) -> None:
        rng = self.rng
        for street in streets:
            for unit in street.units:
                pool = self.branch_members.get(id(unit.party)) or [
                    pair
                    for kid in self._children(unit.party)
                    for pair in self.branch_members.get(id(kid), [])
                ]
                village = unit.kind == "village"
                # 主任: often the party secretary as well (“一肩挑”).
                secretary = self.secretary_of.get(id(unit.party))
                director = secretary if secretary is not None and rng.random() < 0.65 else None
                if director is None:
                    director = (
                        self.pick(pool, 30, 58) if rng.random() < 0.5 else self.person(unit.org, "worker")
                    )
                self.position(
                    director,
                    unit.org,
                    "director",
                    "村民委员会主任" if village else "社区居委会主任",
                    self._start(datetime.date(2021, 3, 1)),
                )
                for _ in range(rng.randint(1, 3)):
                    worker = (
                        self.pick(pool, 23, 50)
                        if rng.random() < 0.4
                        else self.person(unit.org, "worker", female_share=0.65)
                    )
                    self.position(
                        worker,
                        unit.org,
                        "staff",
                        "村务专干" if village else "社区专职工作者",
                        self._start(datetime.date(2018, 1, 1)),
                    )
                for grid in unit.grids:
                    if grid.code == DEMO_GRID_CODE:
                        continue  # the demo account 'wanggeyuan'
                    worker = (
                        self.pick(pool, 23, 50)
                        if rng.random() < 0.3
                        else self.person(unit.org, "worker", female_share=0.65)
                    )
                    self.position(
                        worker, grid, "grid_worker", "专职网格员", self._start(datetime.date(2019, 1, 1))
                    )
            organ_pool = self.branch_members[id(street.organ_branch)]
            for _ in range(rng.randint(1, 2)):
                dispatcher = (
                    self.pick(organ_pool, 23, 45)
                    if rng.random() < 0.5
                    else self.person(street.office, "worker", female_share=0.55)
                )
                self.position(
                    dispatcher, street.office, "dispatcher", "调度员", self._start(datetime.date(2020, 1, 1))
                )
        for name, branch in self.dept_branches.items():
            dept = self.departments[name]
            pool = self.branch_members[id(branch)]
            title = "12345热线联络员" if name == "区数据资源局" else "部门经办人"
            for _ in range(rng.randint(1, 2)):
                self.position(
                    self.pick(pool, 24, 50),
                    dept,
                    "department_handler",
                    title,
                    self._start(datetime.date(2020, 1, 1)),
                )
            if name == SUPERVISION_DEPT:
                for _ in range(2):
                    self.position(
                        self.pick(pool, 30, 55),
                        dept,
                        "supervisor",
                        "督查专员",
                        self._start(datetime.date(2020, 1, 1)),
                    )
        hotline = next(
            kid for kid in self._children(self.departments["区数据资源局"]) if kid.kind == "office"
        )
        for _ in range(2):
            self.position(
                self.person(hotline, "worker", female_share=0.7),
                hotline,
                "dispatcher",
                "12345热线派单员",
                self._start(datetime.date(2020, 1, 1)),
            )

    # -- saving -----------------------------------------------------------------------------------

    def build(self) -> None:
        district, streets = load_divisions()
        self.build_units(district, streets)
        self.build_party(streets)
        self.appoint_party_leaders(streets)
        self.appoint_workers(streets)
        self.forest.save()
        for person in self.persons:
            person.org_path = person.org.path
        Person.objects.bulk_create(self.persons, batch_size=1000)
        for row in (*self.members, *self.positions):
            row.org_path = row.org.path
        Member.objects.bulk_create(self.members, batch_size=1000)
        Position.objects.bulk_create(self.positions, batch_size=1000)


# ---------------------------------------------------------------------------------------------
# Demo accounts

# username, name, gender, birth date, phone
_ACCOUNT_PEOPLE = {
    "admin": ("系统管理员", "M", None, ""),
    "dudao": ("周志刚", "M", datetime.date(1978, 5, 12), "13807310011"),
    "zuzhibu": ("谭慧敏", "F", datetime.date(1985, 9, 3), "13807310012"),
    "jiedao": ("刘婷", "F", datetime.date(1990, 3, 21), "13807310013"),
    "bumen": ("彭建军", "M", datetime.date(1982, 11, 8), "13807310014"),
    "shequ": ("陈静", "F", datetime.date(1988, 7, 15), "13807310015"),
    "wanggeyuan": ("李娟", "F", datetime.date(1992, 1, 30), "13807310016"),
    "shuji": ("王建国", "M", datetime.date(1968, 10, 1), "13807310017"),
    "jumin": ("张伟", "M", datetime.date(1975, 4, 18), "13807310018"),
    "dangwei": ("罗志明", "M", datetime.date(1980, 2, 14), "13807310019"),
    "quzhongxin": ("赵敏", "F", datetime.date(1991, 6, 9), "13807310020"),
    # 党员: the account adopts an existing member of shuji's branch (``_Accounts.adopt``), whose name
    # it takes; these details are not used.
    "dangyuan": ("", "F", None, ""),
    "ganbu": ("易文静", "F", datetime.date(1983, 4, 16), "13807310021"),  # 干部监督室 (cadres)
    "lingdao": ("何志远", "M", datetime.date(1972, 8, 16), "13807310022"),
}


def _account_id_number(index: int, born: datetime.date, gender: str) -> str:
    # 顺序码 9x for the first ten accounts (unchanged since they were made), 8x for the next ten.
    sequence = 90 + index if index < 10 else 80 + index - 10
    first17 = f"430104{born:%Y%m%d}{sequence}{'1' if gender == 'M' else '2'}"
    return first17 + id_check_digit(first17)


@dataclass
class _AccountSpec:
    username: str
    home: Org  # Person.org
    identity: str
    sees: str
    grants: list[tuple[str, Org]] = field(default_factory=list)
    posts: list[tuple[Org, str, str]] = field(default_factory=list)  # (org, position kind, title)
    member_of: tuple[Org, datetime.date] | None = None  # (branch, joined on)
    adopt: Org | None = None  # a branch: the account takes over one of its existing members
    staff: bool = False
    superuser: bool = False


class _Accounts:
    def __init__(self, root: Org, today: datetime.date):
        self.root, self.today = root, today
        self.password = settings.LUOSHI_DEMO_PASSWORD
        # The demo accounts share one public password: hash it once (Argon2 is slow on purpose),
        # and not at all when the stored hash already matches.
        stored = set(
            User.objects.filter(username__in=list(_ACCOUNT_PEOPLE)).values_list("password", flat=True)
        )
        if len(stored) == 1 and check_password(self.password, next(iter(stored))):
            self.encoded_password = stored.pop()
        else:
            self.encoded_password = make_password(self.password)
        self.since = min(datetime.date(2024, 3, 1), today)

    @staticmethod
    def _find(what: str, **filters) -> Org:
        org = Org.objects.filter(is_demo=True, archived_at__isnull=True, **filters).order_by("path").first()
        if org is None:
            raise DemoDataError(f"演示数据不完整:找不到{what}。请换一个空数据库重新生成演示数据。")
        return org

    def _unit(self, what: str, **filters) -> Org:
        return self._find(what, path__startswith=self.root.path, **filters)

    def user(self, spec: _AccountSpec) -> tuple[User, Person] | None:
        """The account and its person, created or reset; None when the username belongs to an
        account that is not a demo account (its password is never touched)."""
        user = User.objects.filter(username=spec.username).first()
        person = Person.objects.filter(user=user).first() if user is not None else None
        if user is not None and (person is None or not person.is_demo):
            return None
        adopted = None
        if person is None and spec.adopt is not None:
            adopted = self.adopt(spec.adopt)
            if adopted is None:
                return None
        user = user or User(username=spec.username)
        name, gender, born, phone = _ACCOUNT_PEOPLE[spec.username]
        user.first_name = (adopted or person).name if spec.adopt is not None else name
        user.is_active, user.is_staff, user.is_superuser = True, spec.staff or spec.superuser, spec.superuser
        user.password = self.encoded_password
        user.save()
        if adopted is not None:
            person = adopted
            person.user = user
            person.save(update_fields=["user"])
        if person is None:
            person = Person(
                user=user,
                name=name,
                gender=gender,
                birth_date=born,
                org=spec.home,
                is_demo=True,
                note="演示账号",
            )
            if born is not None:
                index = list(_ACCOUNT_PEOPLE).index(spec.username)
                person.set_id_number(_account_id_number(index, born, gender))
            person.set_phone(phone)
            person.save()
        elif person.org_id != spec.home.pk:
            person.org = spec.home
            person.save()
        return user, person

    @staticmethod
    def adopt(branch: Org) -> Person | None:
        """An existing member of ``branch`` for a member's account (党员 ``dangyuan``), so that the
        demo's meetings, dues and talks of the branch are already theirs: the third member in
        order who holds no post in the branch and has no account (not a new member: the branch and
        the random draws of the other builders stay as they were)."""
        posts = Position.objects.filter(org=branch).values("person_id")
        people = (
            Person.objects.filter(
                is_demo=True,
                user__isnull=True,
                membership__org=branch,
                membership__status=MemberStatus.NORMAL,
                membership__category=MemberCategory.FORMAL,
            )
            .exclude(pk__in=posts)
            .order_by("pk")
        )
        return next(iter(people[2:3]), None)

    def grant(self, user: User, org: Org, role: str) -> None:
        if not RoleGrant.objects.current(self.today).filter(user=user, org=org, role=role).exists():
            RoleGrant.objects.create(
                user=user, org=org, role=role, start_on=self.today, reason="演示账号", org_path=org.path
            )

    def post(self, person: Person, org: Org, kind: str, title: str) -> None:
        if not Position.objects.current(self.today).filter(person=person, org=org, kind=kind).exists():
            Position.objects.create(person=person, org=org, kind=kind, title=title, start_on=self.since)

    def membership(self, person: Person, branch: Org, joined: datetime.date) -> None:
        member = Member.objects.filter(person=person).first()
        if member is None:
            Member.objects.create(
                person=person,
                org=branch,
                category=MemberCategory.FORMAL,
                joined_on=joined,
                full_member_on=_add_years(joined, 1),
                is_demo=True,
            )
        elif member.org_id != branch.pk:
            member.org = branch
            member.save()

    def specs(self) -> list[_AccountSpec]:
        root = self.root
        find, unit = self._find, self._unit
        party_root = find(PARTY_ROOT_NAME, depth=1, kind="party_committee", name=PARTY_ROOT_NAME)
        supervision = unit(SUPERVISION_DEPT, kind="department", name=SUPERVISION_DEPT)
        org_dept = unit(ORG_DEPT, kind="department", name=ORG_DEPT)
        urban = unit(URBAN_MANAGEMENT_DEPT, kind="department", name=URBAN_MANAGEMENT_DEPT)
        street = unit("望月湖街道", kind__in=("street", "town"), code=DEMO_STREET_CODE)
        office_name = street.name + DISPATCH_OFFICE_SUFFIX
        office = find(office_name, path__startswith=street.path, kind="office", name=office_name)
        community = unit("湖东社区", kind="community", code=DEMO_COMMUNITY_CODE)
        grid = unit("湖东社区第1网格", kind="grid", code=DEMO_GRID_CODE)
        branch = find("湖东社区党支部", kind="branch", host=community)
        working_committee = find(
            f"{street.name}党工委", kind__in=("working_committee", "party_committee"), host=street
        )
        organ_branch = find(f"{street.name}机关党支部", kind="branch", host=street)
        supervision_branch = find(f"{SUPERVISION_DEPT}机关党支部", kind="branch", host=supervision)
        org_dept_branch = find(f"{ORG_DEPT}机关党支部", kind="branch", host=org_dept)
        here = community.name
        data_bureau = unit("区数据资源局", kind="department", name="区数据资源局")
        hotline = find(
            "区12345热线中心", path__startswith=data_bureau.path, kind="office", name__contains="12345"
        )
        return [
            _AccountSpec(
                "admin",
                root,
                "系统管理员(超级用户)",
                "全部数据和后台管理",
                grants=[(Role.ADMIN, root)],
                staff=True,
                superuser=True,
            ),
            _AccountSpec(
                "dudao",
                supervision,
                f"{supervision.name} 督查专员",
                "全区所有组织、人员和事项(只读),督查督办",
                grants=[(Role.SUPERVISOR, root)],
                posts=[(supervision, "supervisor", "督查专员")],
                member_of=(supervision_branch, datetime.date(2002, 6, 28)),
                staff=True,
            ),
            _AccountSpec(
                "zuzhibu",
                org_dept,
                f"{org_dept.name} 组织部门干部",
                "全区党组织和党员(可编辑),全区各单位(只读)",
                grants=[(Role.ORG_DEPT, party_root), (Role.SUPERVISOR, root)],
                posts=[(org_dept, "staff", "组织科干部")],
                member_of=(org_dept_branch, datetime.date(2006, 5, 20)),
                staff=True,
            ),
            _AccountSpec(
                "jiedao",
                office,
                f"{street.name}综治中心 调度员",
                f"{street.name}及所辖社区、网格(只读),事项分派",
                grants=[(Role.DISPATCHER, street)],
                posts=[(office, "dispatcher", "调度员")],
                staff=True,
            ),
            _AccountSpec(
                "quzhongxin",
                hotline,
                f"{hotline.short_name or hotline.name} 区级调度员",
                "全区事项(只读),区级待办:无网格(仅有地址)的事项的受理、立案、派遣;来电查询",
                grants=[(Role.DISPATCHER, root)],
                posts=[(hotline, "dispatcher", "12345热线派单员")],
                staff=True,
            ),
            _AccountSpec(
                "bumen",
                urban,
                f"{urban.short_name} 部门经办人",
                "本部门及所属大队、中心的数据,交办本部门的事项",
                grants=[(Role.DEPT_HANDLER, urban)],
                posts=[(urban, "department_handler", "部门经办人")],
                staff=True,
            ),
            _AccountSpec(
                "shequ",
                community,
                f"{here} 社区工作人员",
                f"{here}及其网格的人员和数据(可编辑)",
                grants=[(Role.COMMUNITY_STAFF, community)],
                posts=[(community, "staff", "社区专职工作者")],
                staff=True,
            ),
            _AccountSpec(
                "wanggeyuan",
                community,
                f"{grid.name} 网格员",
                "本网格的数据(只读),上报事项",
                grants=[(Role.GRID_WORKER, grid)],
                posts=[(grid, "grid_worker", "专职网格员")],
            ),
            _AccountSpec(
                "shuji",
                community,
                f"{branch.short_name or branch.name} 书记",
                "本支部的党员和组织生活(可编辑)",
                grants=[(Role.BRANCH_SECRETARY, branch)],
                posts=[(branch, "secretary", "党支部书记")],
                member_of=(branch, datetime.date(1993, 7, 1)),
            ),
            _AccountSpec(
                "dangwei",
                street,
                f"{working_committee.short_name or working_committee.name} 组织员",
                "本党工委所属党组织和党员(可编辑),党支部报送的发展党员备案、预审、审批",
                grants=[(Role.PARTY_COMMITTEE, working_committee)],
                posts=[(working_committee, "organizer", "党工委组织员")],
                member_of=(organ_branch, datetime.date(2005, 7, 1)),
            ),
            # 干部监督: the role is granted explicitly and alone (no broader role grants it).
            _AccountSpec(
                "ganbu",
                org_dept,
                f"{org_dept.name}干部监督室 干部监督人员",
                "全区干部档案、考察、能上能下和问责记录(查阅须填写目的,每次查阅留痕)",
                grants=[(Role.CADRE_SUPERVISOR, root)],
                posts=[(org_dept, "staff", "干部监督室干部")],
            ),
            _AccountSpec(
                "dangyuan",
                community,
                f"{branch.short_name or branch.name} 党员",
                "本人的组织生活和出席、学时、党费、谈心谈话;在会场扫码签到",
                grants=[(Role.PARTY_MEMBER, branch)],
                adopt=branch,
            ),
            _AccountSpec(
                "lingdao",
                supervision,
                "区委副书记(区领导)",
                "本人的领导干部走流程记录(手机录入),发现问题转网格事项或督办任务并跟踪销号",
            ),
            _AccountSpec(
                "jumin", community, f"{here} 居民", "只能看到本人的信息", grants=[(Role.RESIDENT, community)]
            ),
        ]

    def ensure(self) -> list[DemoAccount]:
        accounts = []
        for spec in self.specs():
            pair = self.user(spec)
            if pair is None:
                accounts.append(
                    DemoAccount(spec.username, "已有同名的非演示账号,未作修改", "—", managed=False)
                )
                continue
            user, person = pair
            for role, org in spec.grants:
                self.grant(user, org, role)
            if spec.member_of is not None:
                self.membership(person, *spec.member_of)
            for org, kind, title in spec.posts:
                self.post(person, org, kind, title)
            accounts.append(DemoAccount(spec.username, spec.identity, spec.sees))
        return accounts


# ---------------------------------------------------------------------------------------------
# Entry point


def find_demo_root() -> Org | None:
    return Org.objects.filter(is_demo=True, kind="district", depth=1).first()


_COUNTED_KINDS = ("street", "town", "community", "village", "grid", "department", "office", "enterprise")
_COUNTED_KINDS += ("social_org",)


def demo_counts(root: Org) -> dict[str, int]:
    kinds = dict(Org.objects.filter(is_demo=True).order_by().values_list("kind").annotate(n=Count("id")))
    counts = {kind: kinds.get(kind, 0) for kind in _COUNTED_KINDS}
    counts["party_orgs"] = sum(kinds.get(kind, 0) for kind in PARTY_KINDS)
    counts["party_groups"] = kinds.get("group", 0)
    counts["people"] = Person.objects.filter(is_demo=True).count()
    members = Member.objects.filter(is_demo=True)
    counts["members"] = members.count()
    counts["probationary"] = members.filter(category=MemberCategory.PROBATIONARY).count()
    counts["positions"] = Position.objects.filter(org__is_demo=True).count()
    counts["accounts"] = User.objects.filter(username__in=list(_ACCOUNT_PEOPLE)).count()
    return counts


def vacant_secretaries() -> list[str]:
    """Demo party organizations (branch and above) without a current secretary."""
    with_secretary = Position.objects.current().filter(kind="secretary").values("org_id")
    vacant = Org.objects.filter(is_demo=True, kind__in=SECRETARY_KINDS).exclude(pk__in=with_secretary)
    return list(vacant.values_list("name", flat=True))


def build_demo(stdout=None) -> DemoSummary:
    """Build the demo district, or reuse the existing one and re-ensure the demo accounts."""
    started = time.monotonic()
    today = timezone.localdate()
    with transaction.atomic():
        root = find_demo_root()
        summary = DemoSummary(reused=root is not None, password=settings.LUOSHI_DEMO_PASSWORD)
        if root is None:
            builder = _Builder(today)
            builder.build()
            root = builder.root
            # PostgreSQL: statistics for the rows just written, inside this transaction. Without
            # them a test database whose tables autovacuum had found empty (reltuples 0 after an
            # earlier test's rollback) planned the next joins as over one row each: a join of the
            # demo's members, people and organizations ran for over ten minutes in CI.
            analyze()
        summary.accounts = _Accounts(root, today).ensure()
        summary.counts = demo_counts(root)
        summary.vacant_secretaries = vacant_secretaries()
        if not summary.reused:
            record(
                Subject("orgs.demo", "yuelu", label="岳麓区演示数据", scope_path=root.path),
                DEMO_BUILT,
                actor=SYSTEM,
                reason="luoshi build_demo",
                after=summary.counts,
            )
    summary.seconds = time.monotonic() - started
    if stdout is not None:
        write_summary(summary, stdout)
    return summary


def write_summary(summary: DemoSummary, out) -> None:
    c = summary.counts
    if summary.reused:
        out.write(
            f"演示数据(岳麓区)已存在,复用现有数据;已重新确认演示账号和密码。用时 {summary.seconds:.1f} 秒\n"
        )
    else:
        out.write(f"演示数据(长沙市岳麓区)已生成,用时 {summary.seconds:.1f} 秒\n")
    out.write(
        f"  {c['street']} 个街道、{c['town']} 个镇,{c['community']} 个社区、{c['village']} 个村,"
        f"{c['grid']} 个网格;{c['department']} 个区直部门,{c['office']} 个科室/中心;"
        f"{c['enterprise']} 家非公企业,{c['social_org']} 个社会组织\n"
        f"  {c['party_orgs'] - c['party_groups']} 个党组织、{c['party_groups']} 个党小组;"
        f"{c['members']} 名党员(其中预备党员 {c['probationary']} 名);"
        f"人员 {c['people']} 名,职务 {c['positions']} 个\n"
    )
    if summary.vacant_secretaries:
        out.write("  书记空缺的党组织:" + "、".join(summary.vacant_secretaries) + "\n")
    out.write(f"\n演示账号(密码均为 {summary.password}):\n")
    rows = [("用户名", "密码", "身份", "登录后看到什么")]
    rows += [
        (a.username, summary.password if a.managed else "(未修改)", a.identity, a.sees)
        for a in summary.accounts
    ]
    widths = [max(_display_width(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        out.write(
            "  "
            + "  ".join(_pad(cell, width) for cell, width in zip(row[:3], widths, strict=True))
            + "  "
            + row[3]
            + "\n"
        )
