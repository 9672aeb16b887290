"""Demo cases (演示事项): a few months of grid cases in the demo district, replayed through the real
workflow services.

``build_demo_cases()`` needs the demo district (``demo.orgs.build_demo``). It

1. fills the responsibility list (责任清单) of the district: district-wide defaults by 大类/小类 →
   department, and the social-governance (社会治理) cases each community or village handles itself;
2. plans about 120 days of reports up to now (public reports, grid workers' patrols, 12345
   tickets; located by a point inside a grid, by a picked community or grid, a few outside every
   grid) and replays every case's life — register, dispatch, sign, feedback, check, close,
   callback; also rejection, verification, returns with adjudication, rework and on-the-spot
   closures — through ``cases.services`` under ``core.clock.frozen``, so that every timestamp and
   every audit event carries the moment it happened. All cases advance together in time order (a
   heap of per-case generators), so audit events are written in chronological order too;
3. leaves the cases of the last two weeks at every open stage (a share of them stops at a chosen
   stage; the rest simply have not got further by now), some of them overdue.

Everything is seeded: two builds on the same day give the same cases (times are counted back from
the moment of the build). When demo cases exist already, they are reused and nothing is added.
The demo accounts act where their roles allow it (jiedao dispatches in 望月湖街道, bumen handles the
cases of 区城市管理和综合执法局, shequ and wanggeyuan check in 湖东社区, jumin reports a few cases);
everything else is a system action (``actor=SYSTEM``).
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import heapq
import io
import itertools
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import shapely
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from shapely.geometry import Point, box, shape
from shapely.strtree import STRtree

from cases import approvals, coordination, deadlines, public, resident, selectors, services, supervision
from cases.models import (
    OPEN_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    Case,
    CaseAssignment,
    CaseStatus,
    Category,
    Channel,
    Responsibility,
    ReturnReason,
    Satisfaction,
    SlaRule,
    Urgency,
)
from core import clock
from core.actors import SYSTEM
from core.errors import ServiceError
from demo import case_texts as texts
from demo import names as demo_names
from demo import orgs as orgs_demo
from orgs.models import Org, OrgKind, User
from orgs.scoping import can
from workdays import calendar as workcal

SEED = 20261130
DAYS = 120
RECENT_DAYS = 14  # cases of the last two weeks are left at every open stage

# Reports per day (before a ±25 % random swing), times ``volume``. Every case walks through the
# real services (8–11 queries per transition, about 75 ms per case on a small 2-vCPU server), which
# sets the build time: the default volume gives about 600 cases in 120 days (``--volume 1``: 1,700).
PER_WORKDAY = 17
PER_DAY_OFF = 8
VOLUME = 0.35

# Channel shares: public 45 %, patrol 35 %, hotline 20 % (no patrols on days off).
CHANNELS_WORKDAY = {Channel.PUBLIC: 45, Channel.PATROL: 35, Channel.HOTLINE: 20}
CHANNELS_DAY_OFF = {Channel.PUBLIC: 70, Channel.HOTLINE: 30}
ANONYMOUS_SHARE = 0.15

# Where: a point inside a grid 87 %, a picked community or grid 10 %, outside every grid 3 %.
AREA_SHARE = 0.10
OUTSIDE_SHARE = 0.03

REJECT_SHARE = 0.05
RETURN_SHARE = 0.04
RETURN_UPHELD_SHARE = 0.7
CO_UNIT_SHARE = 0.20
LATE_HANDLING_SHARE = 0.13
REWORK_SHARE = 0.10
# Coordination and approvals (shares of the older cases that reach handling).
EXTENSION_SHARE = 0.04  # the lead unit asks for more working days; 80 % approved
WHISTLE_SHARE = 0.02  # 吹哨报到: the street summons one or two departments
DUPLICATE_SHARE = 0.03  # a second report of an open problem nearby: merged
EXCLUSION_SHARE = 0.01  # approved as an unreasonable claim: out of the evaluation
PARKING_SHARE = 0.004  # parked for long-term work (挂账), still open
REHANDLE_SHARE = 0.6  # of closed cases rated unresolved and dissatisfied
VERIFIED_FALSE_SHARE = 0.12
RATED_SHARE = 0.70
ON_SPOT_SHARE = 0.45  # of patrol reports of simple problems (即报即办)
ON_SPOT_CATEGORIES = ("0301", "0302", "0303", "0304", "0401", "0501", "0502", "0503", "0504")

# Leaf categories with realistic weights: 市容环境, 街面秩序 and 社会治理 are the most common.
CATEGORY_WEIGHTS = {
    "0101": 2.0, "0102": 3.5, "0103": 1.5, "0104": 1.0, "0105": 1.0,
    "0201": 3.0, "0202": 1.0, "0203": 1.0, "0204": 1.0,
    "0301": 9.0, "0302": 3.0, "0303": 3.0, "0304": 2.5, "0305": 2.5,
    "0401": 2.5, "0402": 1.5, "0403": 1.0,
    "0501": 5.0, "0502": 4.0, "0503": 6.0, "0504": 3.0,
    "0601": 3.0, "0602": 2.0, "0603": 2.0, "0604": 1.5,
    "0701": 0.5, "0702": 1.5, "0703": 0.4, "0704": 0.8,
    "2001": 3.0, "2002": 3.5, "2003": 5.0, "2004": 2.5, "2005": 1.0, "2006": 2.0, "2007": 1.0,
    "2008": 1.5,
}  # fmt: skip
EMERGENCY_CATEGORIES = {"0701": 0.8, "0703": 0.9, "0702": 0.2, "0704": 0.1}
URGENT_SHARE = 0.08

# The responsibility list: (category code, department) at the district root, most specific wins.
URBAN = orgs_demo.URBAN_MANAGEMENT_DEPT
HOUSING = "区住房和城乡建设局"
TRANSPORT = "区交通运输局"
EMERGENCY = "区应急管理局"
ECOLOGY = "长沙市生态环境局岳麓分局"
POLICE = "区公安分局"
JUSTICE = "区司法局"
MARKET = "区市场监督管理局"
DISTRICT_RESPONSIBILITIES = [
    ("03", URBAN, "市容环境类事项由区城管局负责"),
    ("05", URBAN, "街面秩序类事项由区城管局负责"),
    ("04", URBAN, "园林绿化类事项由区城管局负责"),
    ("02", TRANSPORT, "道路、交通设施、护栏、公交站亭由区交通运输局负责"),
    ("01", URBAN, "公用设施默认由区城管局负责"),
    ("0101", URBAN, ""),
    ("0102", URBAN, ""),
    ("0103", HOUSING, "供水管网由区住建局督促供水企业处置"),
    ("0104", EMERGENCY, ""),
    ("06", HOUSING, "施工管理类事项由区住建局负责"),
    ("0602", URBAN, "违法建设由区城管局查处"),
    ("0603", ECOLOGY, "工地扬尘由生态环境分局督办"),
    ("07", EMERGENCY, "突发事件由区应急管理局统筹处置"),
    ("20", JUSTICE, "无法定位到社区的社会治理事项由区司法局(人民调解)统筹"),
    ("2002", HOUSING, "物业纠纷由区住建局(物业监管)负责"),
    ("2004", EMERGENCY, ""),
    ("2005", POLICE, "群租房由区公安分局(出租屋管理)负责"),
]
# 社会治理 problems each community or village handles itself (a row per 小类, so that the
# district-wide 小类 rows above still win for 2002/2004/2005).
COMMUNITY_CATEGORIES = ("2001", "2003", "2006", "2007", "2008")

# Open stages the recent cases are left at, in turn (every ``STALL_EVERY``-th recent case).
STALL_CYCLE = (
    CaseStatus.REPORTED,
    CaseStatus.REGISTERED,
    CaseStatus.DISPATCHED,
    CaseStatus.HANDLING,
    CaseStatus.FED_BACK,
    CaseStatus.RETURNED,
    CaseStatus.VERIFYING,
    CaseStatus.HANDLING,
    CaseStatus.DISPATCHED,
    CaseStatus.FED_BACK,
)
STALL_EVERY = 4
OLD_STALL_SHARE = 0.005  # older cases forgotten in handling (long overdue)

DUE_SOON = dt.timedelta(days=2)

DEMO_ACCOUNTS = ("jiedao", "bumen", "shequ", "wanggeyuan", "jumin", "dudao", "quzhongxin")


class DemoCasesError(RuntimeError):
    """The demo district is missing (build it first)."""


@dataclass
class DemoCasesSummary:
    reused: bool
    seconds: float = 0.0
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    due_soon: int = 0
    closed_on_time: int = 0
    closed: int = 0
    rated: int = 0
    responsibilities: int = 0
    refused: int = 0  # service refusals handled by taking another path
    supervision: object = None  # the first supervision pass (supervision.RunReport)
    resident_messages: int = 0  # 办理进度通知 sent to the demo resident jumin


# ---------------------------------------------------------------------------------------------
# Plans


@dataclass
class _Plan:
    at: dt.datetime
    channel: str
    code: str
    rng: random.Random
    grid: _Grid | None = None  # the grid the case is in (None: outside every grid)
    where: str = "point"  # point / area / outside / address (no place at all)
    urgency: str = Urgency.ORDINARY
    fate: str = "normal"  # normal / reject / return_upheld / return_overruled / on_spot
    stall: str | None = None  # the open status the case stops at
    reporter: User | None = None  # a demo account reporting as a resident
    late: bool = False
    anonymous: bool = False
    rate: bool | None = None  # None: decided by RATED_SHARE
    extra: str = ""  # extension / whistle / duplicate / exclusion / parking (+ "_pending": stops there)
    rehandled: bool = False
    reject_reason: str = ""
    fixed: bool = False  # a showcase case: fate and stage as planned


@dataclass
class _Grid:
    org: Org
    shape: object
    community: Org
    street: Org
    weight: float


def _pick_extra(rng: random.Random) -> str:
    roll = rng.random()
    for extra, share in (
        ("extension", EXTENSION_SHARE),
        ("whistle", WHISTLE_SHARE),
        ("duplicate", DUPLICATE_SHARE),
        ("exclusion", EXCLUSION_SHARE),
        ("parking", PARKING_SHARE),
    ):
        if roll < share:
            return extra
        roll -= share
    return ""


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _local(day: dt.date, hour: float) -> dt.datetime:
    minutes = int(hour * 60)
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=workcal.office_timezone())


# ---------------------------------------------------------------------------------------------
# The builder


class _Builder:
    def __init__(self, root: Org, now: dt.datetime, *, days: int = DAYS, volume: float = VOLUME):
        self.root = root
        self.tickets = 0
        self.now = now
        self.days = days
        self.volume = volume
        self.rng = random.Random(SEED)
        self.cal = workcal.WorkCalendar()
        self.categories = {c.code: c for c in Category.objects.select_related("parent")}
        missing = [code for code in CATEGORY_WEIGHTS if code not in self.categories]
        if missing:
            raise DemoCasesError(f"缺少事项分类 {', '.join(missing)}(请先运行 migrate)")
        self.leaf_weights = {
            code: weight for code, weight in CATEGORY_WEIGHTS.items() if self.categories[code].active
        }
        under_root = Org.objects.filter(path__startswith=root.path, archived_at__isnull=True)
        self.departments = {o.name: o for o in under_root.filter(kind=OrgKind.DEPARTMENT)}
        for name in (URBAN, HOUSING, TRANSPORT, EMERGENCY, ECOLOGY, POLICE, JUSTICE):
            if name not in self.departments:
                raise DemoCasesError(f"演示区划中找不到“{name}”,请重新生成演示数据")
        self.orgs_by_path = {o.path: o for o in under_root.filter(kind__in=_AREA_KINDS)}
        # Only the demo accounts act (a real account that happens to share a username never does).
        demo_users = User.objects.filter(username__in=DEMO_ACCOUNTS, person__is_demo=True)
        self.accounts = {u.username: u for u in demo_users.select_related("person")}
        self.demo_street = under_root.filter(code=orgs_demo.DEMO_STREET_CODE).first()
        self.demo_community = under_root.filter(code=orgs_demo.DEMO_COMMUNITY_CODE).first()
        self.demo_grid = under_root.filter(code=orgs_demo.DEMO_GRID_CODE).first()
        self._load_grids()
        self.refused = 0
        self.case_ids: list[int] = []

    # -- places -----------------------------------------------------------------------------------

    def _load_grids(self) -> None:
        grids = []
        for org in Org.objects.filter(
            path__startswith=self.root.path,
            kind=OrgKind.GRID,
            archived_at__isnull=True,
            geometry__isnull=False,
        ):
            community = self.orgs_by_path.get(org.path[: -Org.steplen])
            street = self.orgs_by_path.get(org.path[: -2 * Org.steplen])
            if community is None or street is None:
                continue
            polygon = shape(org.geometry)
            shapely.prepare(polygon)
            weight = float(org.households or 300)
            if self.demo_street and street.pk == self.demo_street.pk:
                weight *= 4
            if self.demo_community and community.pk == self.demo_community.pk:
                weight *= 4
            if self.demo_grid and org.pk == self.demo_grid.pk:
                weight *= 2
            grids.append(_Grid(org, polygon, community, street, weight))
        if not grids:
            raise DemoCasesError("演示区划中没有带边界的网格,请重新生成演示数据")
        self.grids = grids
        self.grid_weights = list(itertools.accumulate(g.weight for g in grids))
        self.grid_tree = STRtree([g.shape for g in grids])
        self.bounds = shapely.total_bounds([g.shape for g in grids])

    def pick_grid(self, rng: random.Random) -> _Grid:
        return rng.choices(self.grids, cum_weights=self.grid_weights)[0]

    def point_in(self, grid: _Grid, rng: random.Random) -> tuple[float, float]:
        minx, miny, maxx, maxy = grid.shape.bounds
        for _ in range(200):
            x, y = minx + rng.random() * (maxx - minx), miny + rng.random() * (maxy - miny)
            # Keep clear of the boundary so that the point belongs to this grid only.
            if shapely.contains_xy(grid.shape, x, y) and grid.shape.exterior.distance(Point(x, y)) > 2e-5:
                return round(x, 6), round(y, 6)
        point = grid.shape.representative_point()
        return round(point.x, 6), round(point.y, 6)

    def point_outside(self, rng: random.Random) -> tuple[float, float]:
        minx, miny, maxx, maxy = self.bounds
        margin = 0.03
        outer = box(minx - margin, miny - margin, maxx + margin, maxy + margin)
        ox, oy, px, py = outer.bounds
        while True:
            x, y = ox + rng.random() * (px - ox), oy + rng.random() * (py - oy)
            if not len(self.grid_tree.query(Point(x, y), predicate="intersects")):
                return round(x, 6), round(y, 6)

    # -- the demo accounts ------------------------------------------------------------------------

    def _account(self, username: str, action: str, org: Org | None):
        user = self.accounts.get(username)
        if user is None or org is None or not user.is_active:
            return None
        return user if can(user, action, org) else None

    def urge_overdue(self, now: dt.datetime) -> None:
        """督查室 by hand: dudao urges the two longest-overdue open cases of the demo (催办, counted
        in the rankings) and issues a numbered 督办通知单 on the first, printable from its page."""
        overdue = (
            Case.objects.filter(pk__in=self.case_ids)
            .open()
            .filter(due_at__lt=now)
            .exclude(stage="")
            .order_by("due_at", "pk")[:2]
        )
        for position, case in enumerate(overdue):
            actor = self._account("dudao", "supervise", case.org) or SYSTEM
            supervision.remind_case(
                case,
                actor=actor,
                reason="群众反映强烈,请立即安排处置并按期办结",
                act_by=timezone.localdate(now),
            )
            if position == 0:
                supervision.issue_case_notice(
                    case,
                    actor=actor,
                    text="该事项已逾期且经催办仍未办结,请责任单位抓紧办结,并书面说明逾期原因和整改措施。",
                )

    def dispatcher_for(self, case: Case):
        if case.org_id == self.root.pk:
            # The district queue (no grid found): the district dispatch centre's account.
            return self._account("quzhongxin", "dispatch", case.org) or SYSTEM
        return self._account("jiedao", "dispatch", case.org) or SYSTEM

    def checker_for(self, case: Case):
        for username in ("wanggeyuan", "shequ", "jiedao"):
            user = self._account(username, "check", case.org)
            if user is not None:
                return user
        return SYSTEM

    def handler_for(self, org: Org):
        for username in ("bumen", "shequ"):
            user = self._account(username, "handle", org)
            if user is not None:
                return user
        return SYSTEM

    # -- planning ---------------------------------------------------------------------------------

    def report_moment(self, day: dt.date, channel: str, rng: random.Random) -> dt.datetime:
        if channel == Channel.PATROL:
            hour = rng.choice((rng.uniform(8.6, 11.8), rng.uniform(14.1, 17.3)))
        elif channel == Channel.HOTLINE:
            hour = rng.uniform(8.0, 21.0)
        else:
            # Residents report in the morning, at lunch and mostly in the evening.
            hour = _weighted(
                rng,
                {
                    rng.uniform(6.5, 9.0): 12,
                    rng.uniform(9.0, 12.0): 20,
                    rng.uniform(12.0, 14.0): 14,
                    rng.uniform(14.0, 18.0): 20,
                    rng.uniform(18.0, 22.5): 30,
                    rng.uniform(22.5, 23.9): 4,
                },
            )
        return _local(day, hour) + dt.timedelta(seconds=rng.randint(0, 59))

    def plan(self) -> list[_Plan]:
        rng = self.rng
        today = timezone.localtime(self.now, workcal.office_timezone()).date()
        plans: list[_Plan] = []
        for offset in range(self.days, -1, -1):
            day = today - dt.timedelta(days=offset)
            workday = self.cal.is_workday(day)
            base = (PER_WORKDAY if workday else PER_DAY_OFF) * self.volume
            for _ in range(max(1, round(base * rng.uniform(0.75, 1.25)))):
                channel = _weighted(rng, CHANNELS_WORKDAY if workday else CHANNELS_DAY_OFF)
                case_rng = random.Random(rng.getrandbits(64))
                at = self.report_moment(day, channel, case_rng)
                if at >= self.now:
                    continue
                plans.append(self._plan_one(at, channel, case_rng))
        plans.sort(key=lambda p: p.at)
        plans.extend(self._resident_plans())
        plans.extend(self._showcase_plans())
        plans.sort(key=lambda p: p.at)
        self._assign_fates(plans)
        return plans

    def _plan_one(self, at: dt.datetime, channel: str, rng: random.Random) -> _Plan:
        code = _weighted(rng, self.leaf_weights)
        plan = _Plan(at=at, channel=channel, code=code, rng=rng)
        roll = rng.random()
        if roll < OUTSIDE_SHARE and channel != Channel.PATROL:
            plan.where, plan.grid = "outside", None
        else:
            plan.grid = self.pick_grid(rng)
            plan.where = "area" if roll < OUTSIDE_SHARE + AREA_SHARE else "point"
        plan.urgency = self._urgency(code, rng)
        plan.anonymous = channel == Channel.PUBLIC and rng.random() < ANONYMOUS_SHARE
        plan.late = rng.random() < LATE_HANDLING_SHARE
        return plan

    @staticmethod
    def _urgency(code: str, rng: random.Random) -> str:
        if rng.random() < EMERGENCY_CATEGORIES.get(code, 0):
            return Urgency.EMERGENCY
        if code.startswith("07") or rng.random() < URGENT_SHARE:
            return Urgency.URGENT
        return Urgency.ORDINARY

    def _resident_plans(self) -> list[_Plan]:
        """Cases of the demo resident ``jumin`` in their own community: closed and rated, being
        handled, and just reported."""
        resident = self.accounts.get("jumin")
        if resident is None or self.demo_community is None:
            return []
        grids = [g for g in self.grids if g.community.pk == self.demo_community.pk]
        if not grids:
            return []
        rng = random.Random(SEED + 1)
        today = timezone.localtime(self.now, workcal.office_timezone()).date()
        plans = []
        # Working days ago: a case reported just before a long holiday would still be waiting to
        # be registered on the first day after it.
        resident_plans = ((32, 20.2, "0503", None), (5, 8.4, "0102", CaseStatus.HANDLING))
        for workdays_ago, hour, code, stall in resident_plans:
            plan = _Plan(
                at=_local(workcal.add_workdays(today, -workdays_ago, calendar=self.cal), hour),
                channel=Channel.PUBLIC,
                code=code,
                rng=random.Random(rng.getrandbits(64)),
                grid=grids[0] if workdays_ago > 10 else rng.choice(grids),
                stall=stall,
                reporter=resident,
                rate=True,
            )
            plans.append(plan)
        latest = self.now - dt.timedelta(hours=2, minutes=17)
        plans.append(
            _Plan(
                at=latest,
                channel=Channel.PUBLIC,
                code="0301",
                rng=random.Random(rng.getrandbits(64)),
                grid=grids[0],
                stall=CaseStatus.REPORTED,
                reporter=resident,
            )
        )
        return [p for p in plans if p.at < self.now]

    def _showcase_plans(self) -> list[_Plan]:
        """A few recent cases where the demo accounts work, each left at a chosen stage, so that
        their queues are never empty: jiedao's 待受理/待派遣/退单待裁定, shequ's and bumen's 待签收 and
        处置中 (some overdue), a case awaiting check, and wanggeyuan's patrol reports."""
        if self.demo_community is None or self.demo_street is None:
            return []
        community = [g for g in self.grids if g.community.pk == self.demo_community.pk]
        street = [
            g
            for g in self.grids
            if g.street.pk == self.demo_street.pk and g.community.pk != self.demo_community.pk
        ]
        own = [g for g in community if self.demo_grid and g.org.pk == self.demo_grid.pk] or community[:1]
        if not community or not street:
            return []
        rng = random.Random(SEED + 2)
        today = timezone.localtime(self.now, workcal.office_timezone()).date()
        # (working days ago, hour, channel, category, where, stage, fate, late)
        showcase = [
            (3, 9.7, Channel.PATROL, "0301", own, CaseStatus.REPORTED, "normal", False),
            (3, 19.5, Channel.PUBLIC, "0503", community, CaseStatus.REGISTERED, "normal", False),
            (2, 10.2, Channel.HOTLINE, "0102", street, CaseStatus.RETURNED, "return_upheld", False),
            (4, 15.1, Channel.PUBLIC, "2003", community, CaseStatus.DISPATCHED, "normal", False),
            (6, 9.3, Channel.HOTLINE, "2001", community, CaseStatus.HANDLING, "normal", True),
            (3, 10.8, Channel.PATROL, "0501", street, CaseStatus.DISPATCHED, "normal", False),
            (8, 20.4, Channel.PUBLIC, "0305", own, CaseStatus.HANDLING, "normal", True),
            (5, 11.6, Channel.PUBLIC, "0102", community, CaseStatus.FED_BACK, "normal", False),
            (10, 15.5, Channel.PATROL, "0303", own, None, "on_spot", False),
            # jiedao's 待审批 (an extension asked by the lead unit), bumen's 吹哨报到 to answer,
            # a parked case, and a duplicate merged into the registered case above (reported three
            # working days ago: it is merged a few working hours after it came in, and that
            # moment must have passed whatever the hour the demo is built).
            (4, 14.2, Channel.HOTLINE, "0102", own, CaseStatus.HANDLING, "extension_pending", False),
            (3, 9.1, Channel.HOTLINE, "2001", community, CaseStatus.HANDLING, "whistle_pending", False),
            (12, 10.4, Channel.PUBLIC, "0101", street, CaseStatus.PARKED, "parking", False),
            (3, 20.3, Channel.PUBLIC, "0503", community, None, "duplicate", False),
            (15, 9.8, Channel.HOTLINE, "2008", community, None, "exclusion", False),
            (9, 15.2, Channel.PUBLIC, "0503", street, None, "exclusion_pending", False),
            # dudao's decided 重办: closed, rated unresolved and dissatisfied on the callback.
            (15, 10.1, Channel.HOTLINE, "0102", community, None, "rehandle", False),
        ]
        plans = []
        for workdays_ago, hour, channel, code, grids, stall, fate, late in showcase:
            day = workcal.add_workdays(today, -workdays_ago, calendar=self.cal)
            extra = ""
            if fate not in ("normal", "return_upheld", "on_spot"):
                extra, fate = fate, "normal"
            plan = _Plan(
                at=_local(day, hour),
                channel=channel,
                code=code,
                rng=random.Random(rng.getrandbits(64)),
                grid=rng.choice(grids),
                stall=stall,
                fate=fate,
                late=late,
                fixed=True,
                extra=extra,
            )
            if plan.at < self.now and code in self.leaf_weights:
                plans.append(plan)
        # quzhongxin's 区级待办: hotline tickets with an address outside every grid, one waiting to
        # be registered and one to be dispatched (reported a few working hours ago at most).
        for workdays_ago, hour, code, stall in (
            (1, 10.3, "0102", CaseStatus.REPORTED),
            (2, 14.6, "0301", None),
        ):
            day = workcal.add_workdays(today, -workdays_ago, calendar=self.cal)
            plan = _Plan(
                at=_local(day, hour),
                channel=Channel.HOTLINE,
                code=code,
                rng=random.Random(rng.getrandbits(64)),
                where="address",
                stall=stall or CaseStatus.REGISTERED,
                fixed=True,
            )
            if plan.at < self.now and code in self.leaf_weights:
                plans.append(plan)
        return plans

    def _assign_fates(self, plans: list[_Plan]) -> None:
        recent_from = self.now - dt.timedelta(days=RECENT_DAYS)
        stalls = itertools.cycle(STALL_CYCLE)
        recent = 0
        for plan in plans:
            rng = plan.rng
            if plan.reporter is not None or plan.fixed:
                continue
            if plan.at >= recent_from:
                recent += 1
                if recent % STALL_EVERY == 0:
                    plan.stall = next(stalls)
                    if plan.stall == CaseStatus.VERIFYING:
                        plan.code = rng.choice([c for c in self.leaf_weights if c.startswith("06")])
                        plan.urgency = Urgency.ORDINARY
                    elif plan.stall == CaseStatus.RETURNED:
                        plan.fate = "return_upheld"
                    continue
            elif rng.random() < OLD_STALL_SHARE:
                plan.stall = rng.choice((CaseStatus.HANDLING, CaseStatus.HANDLING, CaseStatus.DISPATCHED))
                continue
            roll = rng.random()
            if (
                plan.channel == Channel.PATROL
                and plan.code in ON_SPOT_CATEGORIES
                and plan.where == "point"
                and rng.random() < ON_SPOT_SHARE
            ):
                plan.fate = "on_spot"
            elif roll < REJECT_SHARE and plan.channel != Channel.PATROL:
                plan.fate = "reject"
                plan.reject_reason = rng.choice(texts.REJECT_REASONS)
                if any(word in plan.reject_reason for word in ("物业", "民事", "业主")):
                    plan.code = rng.choice(("2001", "2002", "2006", "2008"))
            elif roll < REJECT_SHARE + RETURN_SHARE:
                upheld = rng.random() < RETURN_UPHELD_SHARE
                plan.fate = "return_upheld" if upheld else "return_overruled"
            if plan.fate == "normal" and plan.channel != Channel.PATROL:
                plan.extra = _pick_extra(rng)
                if plan.extra == "parking":
                    plan.stall = CaseStatus.PARKED

    # -- time ---------------------------------------------------------------------------------------

    def _clamp(self, moment: dt.datetime, rng: random.Random) -> dt.datetime:
        """Never before the current moment: events of a case are in order."""
        floor = clock.now() + dt.timedelta(seconds=rng.randint(40, 300))
        return max(moment, floor)

    def later(self, rng: random.Random, low: float, high: float, *, wall: bool = False) -> dt.datetime:
        """A moment ``low``–``high`` working hours (or wall-clock hours) from now."""
        now = clock.now()
        hours = rng.uniform(low, high)
        if wall:
            moment = now + dt.timedelta(hours=hours)
        else:
            moment = workcal.add_work_hours(now, hours, calendar=self.cal)
        return self._clamp(moment + dt.timedelta(seconds=rng.randint(0, 59)), rng)

    def within(self, rng: random.Random, due: dt.datetime | None, low: float, high: float) -> dt.datetime:
        """A moment between ``low`` and ``high`` of the office time left until ``due``."""
        now = clock.now()
        budget = workcal.work_time_between(now, due, calendar=self.cal) if due else dt.timedelta(0)
        if budget <= dt.timedelta(0):
            budget = dt.timedelta(hours=1)
        moment = workcal.add_work_hours(now, budget * rng.uniform(low, high), calendar=self.cal)
        return self._clamp(moment + dt.timedelta(seconds=rng.randint(0, 59)), rng)

    def overdue_by(self, rng: random.Random, due: dt.datetime, low: float, high: float) -> dt.datetime:
        moment = workcal.add_work_hours(due, rng.uniform(low, high), calendar=self.cal)
        return self._clamp(moment, rng)

    def step(self, plan: _Plan, due, low: float, high: float, *, late: float = 0.0) -> dt.datetime:
        """The next moment of a case: within the stage's limit, or (with probability ``late``)
        after it; emergencies are handled at once, day or night."""
        rng = plan.rng
        if plan.urgency == Urgency.EMERGENCY:
            return self.later(rng, 0.08, 0.5, wall=True)
        if due is not None and rng.random() < late:
            return self.overdue_by(rng, due, 0.5, 6)
        return self.within(rng, due, low, high)

    # -- the life of one case -------------------------------------------------------------------

    def life(self, plan: _Plan) -> Iterator[dt.datetime]:
        """Replay one case; every ``yield`` hands over the moment of its next step."""
        rng = plan.rng
        if plan.fate == "on_spot":
            self.on_spot(plan)
            return
        case = self.report(plan)
        if case is None or plan.stall == CaseStatus.REPORTED:
            return
        category = self.categories[plan.code]
        yield self.step(plan, case.due_at, 0.05, 0.6, late=0.04)
        dispatcher = self.dispatcher_for(case)
        if plan.extra == "duplicate" and self.merge_duplicate(case, plan):
            return

        if plan.fate == "reject":
            services.reject_case(case, actor=dispatcher, reason=plan.reject_reason)
            return

        if category.requires_verification:
            note = rng.choice(texts.VERIFY_REQUEST)
            case = services.request_verification(case, actor=dispatcher, note=note)
            if plan.stall == CaseStatus.VERIFYING:
                return
            yield self.later(rng, 0.5, 7)
            confirmed = plan.stall is not None or rng.random() >= VERIFIED_FALSE_SHARE
            note = rng.choice(texts.VERIFY_TRUE if confirmed else texts.VERIFY_FALSE)
            case = services.record_verification(
                case, actor=self.checker_for(case), confirmed=confirmed, note=note
            )
            if not confirmed:
                return
            yield self.step(plan, case.due_at, 0.05, 0.5)

        case = services.register_case(case, actor=dispatcher, category=category, urgency=plan.urgency)
        if plan.stall == CaseStatus.REGISTERED:
            return
        yield self.step(plan, case.due_at, 0.05, 0.5, late=0.03)

        right = self.lead_for(case)
        returning = plan.fate in ("return_upheld", "return_overruled")
        first = self.wrong_unit(case, right) if plan.fate == "return_upheld" else right
        whistle = plan.extra.startswith("whistle")  # the departments come by the whistle instead
        co_units = self.co_units_for(case, first, rng) if not (returning or whistle) else []
        case = services.dispatch_case(
            case,
            actor=dispatcher,
            lead_unit=first,
            co_units=co_units,
            instructions=rng.choice(texts.INSTRUCTIONS),
        )
        if plan.stall == CaseStatus.DISPATCHED:
            return
        if plan.extra == "exclusion_pending":  # asked early; waits for dudao (督查室)
            yield self.later(rng, 0.5, 3)
            yield from self.exclude(case, plan)
        if plan.extra.startswith("whistle"):
            yield self.later(rng, 0.2, 3)
            yield from self.whistle(case, plan)
            case.refresh_from_db()

        if returning:
            lead = case.assignments.select_related("org").get(role=AssignmentRole.LEAD)
            yield self.within(rng, lead.return_due_at, 0.1, 0.7)
            if self.try_return(lead, plan):
                if plan.stall == CaseStatus.RETURNED:
                    return
                yield self.later(rng, 0.3, 5)
                case = self.adjudicate(case, plan, lead, right)
        yield from self.handle(case, plan)

    def report(self, plan: _Plan) -> Case | None:
        rng = plan.rng
        title, description, address = texts.problem(plan.code, rng)
        ticket = ""
        if plan.channel == Channel.HOTLINE:
            description = rng.choice(texts.HOTLINE_PREFIX) + description + rng.choice(texts.HOTLINE_SUFFIX)
            self.tickets += 1  # the city 12345 platform's 工单号 (counted, not drawn: the plan stays)
            ticket = f"GD{timezone.localtime(plan.at):%Y%m%d}{self.tickets:05d}"
        elif plan.channel == Channel.PATROL:
            description = rng.choice(texts.PATROL_PREFIX) + description
        kwargs = {
            "channel": plan.channel,
            "title": title[:100],
            "description": description,
            "address": address,
            "ticket_number": ticket,
            # Reporters flag emergencies; the dispatcher sets the urgency when registering.
            "urgency": Urgency.EMERGENCY if plan.urgency == Urgency.EMERGENCY else Urgency.ORDINARY,
        }
        if plan.where == "outside":
            kwargs["longitude"], kwargs["latitude"] = self.point_outside(rng)
            where = self.root
        elif plan.where == "address":  # an address only (a 12345 ticket): the district queue
            kwargs["address"] = address or "麓山南路附近(来电人未说明门牌号)"
            where = self.root
        elif plan.where == "area":
            area = plan.grid.community if rng.random() < 0.6 else plan.grid.org
            kwargs["area"], where = area, area
        else:
            kwargs["longitude"], kwargs["latitude"] = self.point_in(plan.grid, rng)
            where = plan.grid.org
        category = self.categories[plan.code]
        if plan.channel == Channel.PATROL or (
            plan.channel == Channel.PUBLIC and category.accepts_public and rng.random() < 0.5
        ):
            kwargs["category"] = category
        actor = None if plan.channel == Channel.PUBLIC else SYSTEM  # None: an anonymous resident
        if plan.reporter is not None:
            actor = plan.reporter
            person = getattr(actor, "person", None)
            kwargs["reporter_name"] = person.name if person else actor.username
            kwargs["reporter_phone"] = (person.phone_clear() if person else "") or self.phone(rng)
        elif plan.channel in (Channel.PUBLIC, Channel.HOTLINE):
            if plan.anonymous:
                kwargs["anonymous"] = True
            else:
                kwargs["reporter_name"] = self.name(rng)
                kwargs["reporter_phone"] = self.phone(rng)
        elif plan.channel == Channel.PATROL:
            actor = self._account("wanggeyuan", "report", where) or SYSTEM
        # Residents often send a photo with their report (the tracking page shows it). A rng of its
        # own, so that the photos leave the rest of the plan as it was.
        photo_rng = random.Random(f"{plan.at.isoformat()}{title}")
        if plan.channel == Channel.PUBLIC and (plan.reporter is not None or photo_rng.random() < 0.3):
            kwargs["uploads"] = [self.photo(photo_rng, dirty=True)]
        try:
            case = services.report_case(actor=actor, **kwargs)
        except ServiceError:
            self.refused += 1
            return None
        self.case_ids.append(case.pk)
        return case

    def on_spot(self, plan: _Plan) -> None:
        rng = plan.rng
        title, description, address = texts.problem(plan.code, rng)
        longitude, latitude = self.point_in(plan.grid, rng)
        actor = self._account("wanggeyuan", "handle", plan.grid.org) or SYSTEM
        try:
            case = services.patrol_on_spot(
                actor=actor,
                grid=plan.grid.org,
                title=title[:100],
                description=rng.choice(texts.PATROL_PREFIX) + description,
                category=self.categories[plan.code],
                longitude=longitude,
                latitude=latitude,
                address=address,
                before_photos=[self.photo(rng, dirty=True)],
                after_photos=[self.photo(rng, dirty=False)],
                note="网格员现场处置完毕",
            )
        except ServiceError:
            self.refused += 1
            return
        self.case_ids.append(case.pk)

    # -- units --------------------------------------------------------------------------------------

    def lead_for(self, case: Case) -> Org:
        suggestions = selectors.suggest_units(case, limit=1)
        if suggestions:
            return suggestions[0]
        return case.community or self.departments[URBAN]

    def wrong_unit(self, case: Case, right: Org) -> Org:
        """A plausible but wrong first dispatch (returned and re-dispatched later)."""
        for name in (URBAN, HOUSING, MARKET):
            unit = self.departments.get(name)
            if unit is not None and unit.pk != right.pk:
                return unit
        return self.departments[HOUSING]  # not reached: 区城管局 and 区住建局 both exist

    def co_units_for(self, case: Case, lead: Org, rng: random.Random) -> list[Org]:
        if rng.random() >= CO_UNIT_SHARE:
            return []
        code = case.category.code if case.category else ""
        candidates = []
        if lead.kind == OrgKind.DEPARTMENT:
            candidates += [case.community, case.street]
            if code in ("0305", "0502"):
                candidates.insert(0, self.departments.get(MARKET))
        else:
            candidates += [self.departments.get(POLICE) if code in ("2003", "2004") else None]
            candidates += [self.departments[URBAN], case.street]
        for unit in candidates:
            if unit is not None and unit.pk != lead.pk and not unit.is_archived:
                return [unit]
        return []

    def try_return(self, lead: CaseAssignment, plan: _Plan) -> bool:
        rng = plan.rng
        reason = ReturnReason.NOT_OUR_DUTY if rng.random() < 0.85 else ReturnReason.INFO_INCOMPLETE
        try:
            services.return_assignment(
                lead,
                actor=self.handler_for(lead.org),
                reason=reason,
                note=rng.choice(texts.RETURN_NOTES[reason]),
            )
        except ServiceError:  # e.g. the return window has passed: handle it after all
            self.refused += 1
            return False
        return True

    def adjudicate(self, case: Case, plan: _Plan, returned: CaseAssignment, right: Org) -> Case:
        rng = plan.rng
        dispatcher = self.dispatcher_for(case)
        upheld = plan.fate == "return_upheld" and returned.org_id != right.pk
        if upheld:
            return services.adjudicate_return(
                case,
                actor=dispatcher,
                upheld=True,
                note=rng.choice(texts.UPHELD_NOTES),
                lead_unit=right,
                co_units=self.co_units_for(case, right, rng),
            )
        return services.adjudicate_return(
            case, actor=dispatcher, upheld=False, note=rng.choice(texts.OVERRULED_NOTES)
        )

    # -- handling, check, callback -------------------------------------------------------------------

    def handle(self, case: Case, plan: _Plan) -> Iterator[dt.datetime]:
        """Sign-for, feedback (co-units first), check (with a rework now and then), callback.
        ``case`` is fresh from ``dispatch_case`` or ``adjudicate_return``."""
        rng = plan.rng
        active = list(
            case.assignments.select_related("org").filter(
                status__in=(AssignmentStatus.PENDING, AssignmentStatus.SIGNED)
            )
        )
        lead = next(a for a in active if a.role == AssignmentRole.LEAD)
        cos = [a for a in active if a.role == AssignmentRole.CO]
        if lead.status == AssignmentStatus.PENDING:
            yield self.step(plan, lead.sign_due_at, 0.05, 0.7, late=0.06)
            services.sign_assignment(lead, actor=self.handler_for(lead.org))
        for co in cos:
            if co.status == AssignmentStatus.PENDING:
                yield self.later(rng, 0.1, 3)
                services.sign_assignment(co, actor=self.handler_for(co.org))
        if plan.extra in ("extension", "extension_pending", "parking"):
            yield self.later(rng, 2, 20)
            yield from self.ask(case, plan, lead)
            case.refresh_from_db()
        if plan.stall in (CaseStatus.HANDLING, CaseStatus.PARKED):
            return

        if plan.urgency == Urgency.EMERGENCY:
            done = self.later(rng, 0.5, 3, wall=True)
        elif plan.late:
            done = self.overdue_by(rng, case.handle_due_at, 2, 30)
        else:
            done = self.within(rng, case.handle_due_at, 0.15, 0.95)
        for co in cos:
            # Co-units report before the lead unit completes the case.
            if clock.now() < done:
                yield min(self.within(rng, done, 0.2, 0.8), done)
            services.give_feedback(co, actor=self.handler_for(co.org), text=rng.choice(texts.CO_FEEDBACK))
        yield self._clamp(done, rng)
        handler = self.handler_for(lead.org)
        services.give_feedback(lead, actor=handler, text=texts.feedback_for(plan.code, rng))
        if plan.stall == CaseStatus.FED_BACK:
            return

        checker = self.checker_for(case)
        while True:
            check_due = Case.objects.filter(pk=case.pk).values_list("due_at", flat=True).get()
            yield self.step(plan, check_due, 0.05, 0.8, late=0.03)
            passed = case.rework_count > 0 or rng.random() >= REWORK_SHARE
            note = rng.choice(texts.CHECK_PASS if passed else texts.CHECK_FAIL)
            case = services.check_case(case, actor=checker, passed=passed, note=note)
            if passed:
                break
            yield self.within(rng, case.handle_due_at, 0.1, 0.7)
            services.give_feedback(
                lead, actor=handler, text="已按核查意见重新处置:" + texts.feedback_for(plan.code, rng)
            )

        yield from self.callback(case, plan)
        yield from self.maybe_rehandle(case, plan)
        if plan.extra == "exclusion":
            yield self.later(rng, 1, 10)
            yield from self.exclude(case, plan)

    def callback(self, case: Case, plan: _Plan) -> Iterator[dt.datetime]:
        rng = plan.rng
        if case.channel not in (Channel.PUBLIC, Channel.HOTLINE):
            return
        unsolved = plan.extra == "rehandle"  # the showcase reporter who says it is not solved
        if not (unsolved or (plan.rate if plan.rate is not None else rng.random() < RATED_SHARE)):
            return
        yield self.within(rng, case.due_at, 0.05, 0.9)
        troubled = not case.closed_on_time or case.rework_count > 0
        shares = (
            {Satisfaction.SATISFIED: 50, Satisfaction.BASIC: 34, Satisfaction.DISSATISFIED: 16}
            if troubled
            else {Satisfaction.SATISFIED: 75, Satisfaction.BASIC: 21, Satisfaction.DISSATISFIED: 4}
        )
        if plan.reporter is not None:
            shares = {Satisfaction.SATISFIED: 1}
        satisfaction = Satisfaction.DISSATISFIED if unsolved else _weighted(rng, shares)
        resolved = not unsolved and (satisfaction != Satisfaction.DISSATISFIED or rng.random() < 0.3)
        comment = rng.choice(texts.RATING_COMMENTS[satisfaction])
        # Did the handling unit get in touch with the reporter (响应率)? Mostly yes.
        contacted = "没有人联系" not in comment and rng.random() >= 0.04
        if plan.reporter is not None:
            services.rate_case(
                case, actor=plan.reporter, resolved=resolved, satisfaction=satisfaction, comment=comment
            )
            return
        caller = self._account("jiedao", "callback", case.org) if case.channel == Channel.HOTLINE else None
        if caller is not None:  # the dispatch centre called the reporter back
            services.rate_case(
                case,
                actor=caller,
                resolved=resolved,
                satisfaction=satisfaction,
                contacted=contacted,
                comment=comment,
            )
        else:  # the reporter rated on the tracking page
            services.rate_case(
                case,
                token=case.access_token,
                resolved=resolved,
                satisfaction=satisfaction,
                contacted=contacted,
                comment=comment,
            )

    # -- coordination and approvals ------------------------------------------------------------------

    def merge_duplicate(self, case: Case, plan: _Plan) -> bool:
        """A second report of a problem already open nearby (same grid, else same community, within
        a week, same kind of problem when known) is merged into it."""
        week = clock.now() - dt.timedelta(days=7)
        nearby = Case.objects.filter(
            status__in=coordination.MERGEABLE_STATUSES + (CaseStatus.DISPATCHED, CaseStatus.HANDLING),
            created_at__gte=week,
            created_at__lt=case.created_at,
        ).exclude(pk=case.pk)
        master = None
        for place in ({"grid": case.grid}, {"community": case.community}):
            if None not in place.values():
                master = nearby.filter(**place).order_by("-created_at").first()
            if master is not None:
                break
        if master is None:
            return False
        coordination.merge_case(
            case,
            actor=self.dispatcher_for(case),
            into=master,
            reason=f"与{master.number}反映的是同一地点的同一问题",
        )
        return True

    def whistle(self, case: Case, plan: _Plan) -> Iterator[dt.datetime]:
        """吹哨报到: the street summons departments; each reports in (now and then late)."""
        rng = plan.rng
        lead = case.lead_unit
        wanted = (
            [URBAN, POLICE] if plan.extra == "whistle_pending" else rng.sample([URBAN, HOUSING, POLICE], 2)
        )
        units = [self.departments[n] for n in wanted if lead is None or self.departments[n].pk != lead.pk]
        summoned = coordination.summon_units(
            case, actor=self.dispatcher_for(case), units=units, note=rng.choice(texts.WHISTLE_NOTES)
        )
        for assignment in summoned:
            if plan.extra == "whistle_pending" and assignment.org.name == URBAN:
                continue  # bumen has a 吹哨报到 to answer
            yield self.step(plan, assignment.sign_due_at, 0.1, 0.9, late=0.0 if plan.fixed else 0.15)
            coordination.report_in(
                assignment, actor=self.handler_for(assignment.org), note=rng.choice(texts.REPORT_IN_NOTES)
            )

    def ask(self, case: Case, plan: _Plan, lead: CaseAssignment) -> Iterator[dt.datetime]:
        """The lead unit asks for an extension or to park the case; the dispatch centre decides."""
        rng = plan.rng
        handler = self.handler_for(lead.org)
        if plan.extra == "parking":
            until = timezone.localtime(clock.now()).date() + dt.timedelta(days=rng.randint(45, 150))
            request = approvals.request_parking(
                case, actor=handler, until=until, reason=rng.choice(texts.PARKING_REASONS)
            )
        else:
            request = approvals.request_extension(
                case, actor=handler, days=rng.choice((2, 3, 5)), reason=rng.choice(texts.EXTENSION_REASONS)
            )
        if plan.extra == "extension_pending":
            return
        yield self.later(rng, 0.3, 4)
        approve = plan.extra == "parking" or rng.random() < 0.8
        note = "同意" if approve else "理由不充分,请按原时限办结"
        approvals.decide_request(request, actor=self.dispatcher_for(case), approve=approve, note=note)

    def exclude(self, case: Case, plan: _Plan) -> Iterator[dt.datetime]:
        rng = plan.rng
        request = approvals.request_exclusion(
            case, actor=self.dispatcher_for(case), reason=rng.choice(texts.EXCLUSION_REASONS)
        )
        if plan.extra == "exclusion_pending":
            return
        yield self.later(rng, 1, 16)
        approve = plan.fixed or rng.random() < 0.7
        approvals.decide_request(
            request,
            actor=self._account("dudao", "supervise", case.org) or SYSTEM,
            approve=approve,
            note="经核查属实,认定为不合理诉求" if approve else "诉求有政策依据,不予认定,请继续做好解释工作",
        )

    def maybe_rehandle(self, case: Case, plan: _Plan) -> Iterator[dt.datetime]:
        """重办: a reporter who says the problem is not solved and is dissatisfied; callback staff
        ask, the supervision office approves, and the lead unit handles the case again (once)."""
        rng = plan.rng
        case.refresh_from_db()
        if (
            plan.rehandled
            or case.rated_at is None
            or case.rating_resolved
            or case.rating_satisfaction != Satisfaction.DISSATISFIED
            or (plan.extra != "rehandle" and rng.random() >= REHANDLE_SHARE)
        ):
            return
        plan.rehandled = True
        yield self.later(rng, 0.5, 6)
        request = approvals.request_rehandle(
            case,
            actor=self._account("jiedao", "callback", case.org) or SYSTEM,
            reason="回访时反映人表示问题仍未解决:" + (case.rating_comment or "不满意"),
        )
        yield self.later(rng, 0.5, 8)
        approvals.decide_request(
            request,
            actor=self._account("dudao", "supervise", case.org) or SYSTEM,
            approve=True,
            note="同意重办,请主办单位认真核实整改",
        )
        case.refresh_from_db()
        plan.late = False
        yield from self.handle(case, plan)

    # -- small things --------------------------------------------------------------------------

    @staticmethod
    def name(rng: random.Random) -> str:
        surname = _weighted(rng, demo_names.SURNAMES)
        cohort = rng.choice(("old", "mid", "mid", "young", "young"))
        return surname + rng.choice(demo_names.GIVEN_NAMES[(cohort, rng.choice("MF"))])

    @staticmethod
    def phone(rng: random.Random) -> str:
        return rng.choice(demo_names.MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"

    def photo(self, rng: random.Random, *, dirty: bool) -> ContentFile:
        """A tiny synthetic picture: grey pavement, with litter before and clean after."""
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (160, 120), (150 + rng.randint(-10, 10),) * 3)
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 85, 160, 120), fill=(70, 120, 60))  # a strip of green
        if dirty:
            for _ in range(14):
                x, y = rng.randint(5, 150), rng.randint(20, 80)
                colour = rng.choice(((200, 60, 50), (230, 230, 230), (60, 60, 160), (90, 70, 40)))
                draw.ellipse((x, y, x + rng.randint(4, 12), y + rng.randint(3, 9)), fill=colour)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=70)
        return ContentFile(buffer.getvalue(), name=f"demo-{'before' if dirty else 'after'}.jpg")

    # -- running -----------------------------------------------------------------------------------

    def run(self, plans: list[_Plan]) -> None:
        """Advance all cases together in time order, up to now."""
        order = itertools.count()
        heap = [(plan.at, next(order), self.life(plan)) for plan in plans]
        heapq.heapify(heap)
        while heap:
            moment, _, life = heapq.heappop(heap)
            if moment > self.now:
                continue  # not yet: the case stays where it is
            with clock.frozen(moment):
                try:
                    following = next(life)
                except StopIteration:
                    continue
                except ServiceError:
                    # A refusal the plan did not foresee: the case stays where it is.
                    self.refused += 1
                    continue
            heapq.heappush(heap, (following, next(order), life))


_AREA_KINDS = (OrgKind.STREET, OrgKind.TOWN, OrgKind.COMMUNITY, OrgKind.VILLAGE)


# ---------------------------------------------------------------------------------------------
# Deadlines during the build


@contextlib.contextmanager
def _steady_deadlines(calendar: workcal.WorkCalendar):
    """Within the build neither the time limits (时限标准) nor the working-day calendar change, yet
    the services look both up on every transition (``deadlines.stage_due``: a rule query and a
    calendar query each time). For the length of the build, look each rule up once per set of
    rules in force and share one calendar. The results are the same as without this.
    """
    rule_for, due_after = deadlines.rule_for, deadlines.due_after
    starts = sorted(set(SlaRule.objects.values_list("effective_from", flat=True)))
    specific = set(SlaRule.objects.filter(category__isnull=False).values_list("category_id", flat=True))
    rules: dict = {}

    def cached_rule_for(category, urgency: str, stage: str, on: dt.date):
        # The rule in force depends only on which rules are in force (the latest start ≤ on), and
        # on the category only when it or its 大类 has rules of its own.
        index = bisect.bisect_right(starts, on)
        own = category is not None and ({category.pk, category.parent_id} & specific)
        key = (category.pk if own else None, urgency, stage, starts[index - 1] if index else None)
        if key not in rules:
            rules[key] = rule_for(category, urgency, stage, on)
        return rules[key]

    def shared_due_after(start, limit, unit, *, calendar=calendar):
        return due_after(start, limit, unit, calendar=calendar)

    deadlines.rule_for, deadlines.due_after = cached_rule_for, shared_due_after
    try:
        yield
    finally:
        deadlines.rule_for, deadlines.due_after = rule_for, due_after


# ---------------------------------------------------------------------------------------------
# Responsibility list


def ensure_responsibilities(root: Org) -> int:
    """The demo district's responsibility list; rows that exist already are kept. Returns the
    number of rows added."""
    categories = {c.code: c for c in Category.objects.all()}
    under_root = Org.objects.filter(path__startswith=root.path, archived_at__isnull=True)
    departments = {o.name: o for o in under_root.filter(kind=OrgKind.DEPARTMENT)}
    wanted: list[tuple[Org, Category, Org, str]] = []
    for code, unit_name, note in DISTRICT_RESPONSIBILITIES:
        unit = departments.get(unit_name)
        if unit is None or code not in categories:
            continue
        wanted.append((root, categories[code], unit, note))
    for area in under_root.filter(kind__in=(OrgKind.COMMUNITY, OrgKind.VILLAGE)):
        for code in COMMUNITY_CATEGORIES:
            if code in categories:
                wanted.append((area, categories[code], area, "由社区/村就地调处"))
    existing = set(
        Responsibility.objects.filter(org_path__startswith=root.path).values_list(
            "org_id", "category_id", "unit_id"
        )
    )
    rows = [
        Responsibility(org=org, org_path=org.path, category=category, unit=unit, note=note)
        for org, category, unit, note in wanted
        if (org.pk, category.pk, unit.pk) not in existing
    ]
    Responsibility.objects.bulk_create(rows, batch_size=500)
    return len(rows)


# ---------------------------------------------------------------------------------------------
# Entry point


def summarize(summary: DemoCasesSummary, now: dt.datetime | None = None) -> DemoCasesSummary:
    now = now or timezone.now()
    cases = Case.objects.filter(is_demo=True)
    counts = dict(cases.order_by().values_list("status").annotate(n=Count("id")))
    summary.by_status = {status: counts.get(status, 0) for status in CaseStatus.values}
    summary.total = sum(counts.values())
    summary.overdue = cases.overdue(now).count()
    summary.due_soon = cases.due_soon(DUE_SOON, now).count()
    closed = cases.filter(status=CaseStatus.CLOSED)
    summary.closed = closed.count()
    summary.closed_on_time = closed.filter(closed_on_time=True).count()
    summary.rated = cases.filter(rated_at__isnull=False).count()
    return summary


def tell_demo_resident(case_ids) -> int:
    """办理进度通知 for the demo resident ``jumin``: each milestone of their cases, dated when it
    happened, in the inbox and the file outbox (``LUOSHI_OUTBOX_FILE``), sent at once."""
    told = 0
    cases = Case.objects.filter(pk__in=case_ids, reporter_user__username="jumin").select_related(
        "reporter_user", "lead_unit"
    )
    for case in cases.order_by("created_at"):
        with transaction.atomic():
            told += len(resident.replay(case, send_now=False))
    resident.send()
    return told


def build_demo_cases(stdout=None, *, days: int = DAYS, volume: float = VOLUME) -> DemoCasesSummary:
    """Fill the demo district with ``days`` days of cases up to now, or reuse the demo cases that
    exist. ``volume`` scales the number of reports per day (tests build a smaller history)."""
    started = time.monotonic()
    root = orgs_demo.find_demo_root()
    if root is None:
        raise DemoCasesError("尚未生成演示区划,请先运行 luoshi build_demo")
    if Case.objects.filter(is_demo=True).exists():
        summary = summarize(DemoCasesSummary(reused=True))
        summary.seconds = time.monotonic() - started
        if stdout is not None:
            write_summary(summary, stdout)
        return summary
    now = timezone.now()
    summary = DemoCasesSummary(reused=False)
    if stdout is not None:
        stdout.write(f"正在按办理流程生成近 {days} 天的演示事项,请稍候……\n")
        if hasattr(stdout, "flush"):
            stdout.flush()
    with transaction.atomic():
        summary.responsibilities = ensure_responsibilities(root)
        builder = _Builder(root, now, days=days, volume=volume)
        # Thousands of generated reporters are not messaged; the demo resident is, below.
        with _steady_deadlines(builder.cal), resident.paused():
            builder.run(builder.plan())
        Case.objects.filter(pk__in=builder.case_ids).update(is_demo=True)
        summary.refused = builder.refused
        # The worker's first supervision pass, so the overdue board and the units' notices are
        # there from the start (the worker's own passes then find nothing new to issue).
        with clock.frozen(now):
            summary.supervision = supervision.supervise(now)
            builder.urge_overdue(now)
        follow_demo_cases(builder.case_ids)
    summary.resident_messages = tell_demo_resident(builder.case_ids)
    summarize(summary, now)
    summary.seconds = time.monotonic() - started
    if stdout is not None:
        write_summary(summary, stdout)
    return summary


def follow_demo_cases(case_ids, seed: int = 18) -> int:
    """Residents following (关注) some open public cases instead of reporting them again, so that
    公开事项 (/reports/) shows follow counts. Made-up client addresses (only their hash is kept)."""
    rng = random.Random(seed)
    listed = list(
        public.listed_cases()
        .filter(pk__in=case_ids, status__in=public.OPEN_LISTED)
        .order_by("-created_at")
        .values_list("pk", flat=True)[:60]
    )
    made = 0
    for pk in rng.sample(listed, min(len(listed), 12)):
        case = Case.objects.get(pk=pk)
        for n in range(rng.randint(1, 5)):
            made += public.follow(case, f"demo-follow-{pk}-{n}")
    return made


def write_summary(summary: DemoCasesSummary, out) -> None:
    labels = dict(CaseStatus.choices)
    if summary.reused:
        out.write(f"演示事项已存在,直接复用(共 {summary.total} 件,未新增)\n")
    else:
        out.write(f"演示事项已生成,用时 {summary.seconds:.1f} 秒:共 {summary.total} 件\n")
        out.write(f"  责任清单新增 {summary.responsibilities} 条\n")
    statuses = "、".join(f"{labels[s]} {n}" for s, n in summary.by_status.items() if n)
    out.write(f"  按状态:{statuses}\n")
    open_count = sum(summary.by_status.get(s, 0) for s in OPEN_STATUSES)
    out.write(f"  未办结 {open_count} 件,其中已逾期 {summary.overdue} 件、两天内到期 {summary.due_soon} 件\n")
    if summary.refused:
        out.write(f"  办理中有 {summary.refused} 步被业务规则拒绝(已改走其他流程,或停在当时的环节)\n")
    if summary.closed:
        share = summary.closed_on_time / summary.closed
        out.write(f"  已结案 {summary.closed} 件,按期结案率 {share:.0%};已回访评价 {summary.rated} 件\n")
    if summary.resident_messages:
        out.write(
            f"  居民 jumin 收到办理进度通知 {summary.resident_messages} 条(站内通知,及发件箱文件 "
            f"{settings.LUOSHI_OUTBOX_FILE})\n"
        )
    if summary.supervision is not None:
        run = summary.supervision
        out.write(f"  督查:催办 {run.reminders} 条、督办通知单 {run.notices} 份、通报 {run.circulars} 份\n")


__all__ = ["DemoCasesError", "DemoCasesSummary", "build_demo_cases", "ensure_responsibilities"]
