"""Bulk loader: N synthetic grid cases in the demo district, written straight into the tables.

    .venv/bin/python bench/cases_loader.py --db postgres://postgres@127.0.0.1:5432/luoshi_bench_cases \
        [--cases 1000000] [--seed 20261201] [--batch 5000]

Needs the demo district (``demo.orgs.build_demo``; ``bench/cases.py`` builds it). Cases are spread
over the 12 months before now (``--years`` for a longer history), over every demo grid (weighted by
households), with grid, community, street, org and org_path set consistently and numbers
``BK20260101-000123`` (the ``BK`` prefix never collides with the service-made ``YL…`` numbers). Ids
follow report time, as in production. The status depends on age: young cases are mostly open, older
ones close off, so that about 90 % are closed (with rework counts, on-time flags and callback
ratings), 2 % rejected and 8 % spread over the open statuses with their stage deadlines around now —
overdue for some, and always for cases forgotten for over a month. Lead units come from the demo
responsibility list (``demo.cases.ensure_responsibilities``: category × area → unit), 20 % of the
dispatched cases have a co-unit, 4 % had a return (upheld → re-dispatched, or overruled), and every
case that reached dispatch has its ``CaseAssignment`` rows, consistent with its status.

This is a benchmark fixture, not a replay: the rows bypass ``cases.services``, so there are no
audit events (no timeline), no supervision notices, notifications or photos for them. On
PostgreSQL the rows go in with ``COPY`` (psycopg 3) in batches of ``--batch`` cases, with the per-row
foreign-key triggers off (``session_replication_role = replica``, superuser only; every id written
exists); elsewhere with ``bulk_create``. Ids are assigned here (from the current maximum) and the
identity sequences are moved past them afterwards. Prints rows/s, then VACUUM ANALYZEs.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import math
import os
import random
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PREFIX = "BK"
SEED = 20261201
BATCH = 5000
DAYS = 365

# Status by age: cases younger than OPEN_WINDOW_DAYS are mostly open, older ones close off with a
# OPEN_DECAY_DAYS time constant; overall about 8 % open, 90 % closed, 2 % rejected.
OPEN_WINDOW_DAYS = 18
OPEN_DECAY_DAYS = 12
OPEN_PEAK = 0.95
REJECTED_SHARE = 0.022  # of the finished cases
# Open statuses (relative weights).
OPEN_MIX = {
    "reported": 12,
    "verifying": 4,
    "registered": 10,
    "dispatched": 14,
    "returned": 3,
    "handling": 42,
    "fed_back": 15,
}
OVERDUE_CHANCE = 0.15  # an open case whose stage could be over its limit by now is
FORGOTTEN_DAYS = 30  # open cases older than this are overdue
CO_UNIT_SHARE = 0.20
RETURN_SHARE = 0.04
RETURN_UPHELD_SHARE = 0.70
LATE_SHARE = 0.13
RATED_SHARE = 0.70
ON_SPOT_SHARE = 0.20  # of patrol reports of simple problems: closed on the spot (no assignments)
CHANNELS = {"public": 45, "patrol": 35, "hotline": 20}
ANONYMOUS_SHARE = 0.15
SATISFACTION = ("satisfied", "basic", "dissatisfied")
SATISFACTION_CUM = list(itertools.accumulate((80, 14, 6)))
OPEN_STATUSES = list(OPEN_MIX)
OPEN_CUM = list(itertools.accumulate(OPEN_MIX.values()))
CHANNEL_NAMES = list(CHANNELS)
CHANNEL_CUM = list(itertools.accumulate(CHANNELS.values()))

CST = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai (no DST)
H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
# Approximate stage limits in calendar hours by urgency (the loader does not need the working-day
# calendar; the service computes real deadlines for real cases).
LIMITS = {
    "register": {"emergency": 1, "urgent": 2, "ordinary": 24},
    "dispatch": {"emergency": 1, "urgent": 2, "ordinary": 24},
    "sign": {"emergency": 0.5, "urgent": 2, "ordinary": 4},
    "handle": {"emergency": 2, "urgent": 24, "ordinary": 7 * 24},
    "check": {"emergency": 2, "urgent": 24, "ordinary": 3 * 24},
    "callback": {"emergency": 24, "urgent": 2 * 24, "ordinary": 4 * 24},
}
LIMITS_BY_URGENCY = {
    urgency: {stage: H * LIMITS[stage][urgency] for stage in LIMITS}
    for urgency in ("emergency", "urgent", "ordinary")
}
STAGE_OF = {
    "reported": "register",
    "verifying": "register",
    "registered": "dispatch",
    "returned": "dispatch",
    "dispatched": "sign",
    "handling": "handle",
    "fed_back": "check",
}


def setup(db: str) -> None:
    os.environ["LUOSHI_DATABASE_URL"] = db
    os.environ.setdefault("LUOSHI_DEMO", "1")  # a development key without turning DEBUG on
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luoshi.settings")
    import django

    django.setup()
    ensure_static()


def ensure_static() -> None:
    """Pages render ``{% static %}`` from whitenoise's manifest (DEBUG off): collect the static files
    into the var directory once, as ``luoshi demo`` and a deployment do."""
    from pathlib import Path

    from django.conf import settings
    from django.core.management import call_command

    if not settings.DEBUG and not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)


class _Unit:
    """An org as the generator needs it (plain attributes: no Django descriptors per row)."""

    __slots__ = ("pk", "path", "kind", "name")

    def __init__(self, org):
        self.pk, self.path, self.kind, self.name = org.pk, org.path, org.kind, org.name


class _Category:
    __slots__ = ("pk", "parent_id", "needs_verification")

    def __init__(self, category):
        self.pk, self.parent_id = category.pk, category.parent_id
        parent = category.parent
        self.needs_verification = category.requires_verification or bool(
            parent and parent.requires_verification
        )


def _problem(texts, code: str, rng: random.Random) -> tuple[str, str, str]:
    """Title, description and address from ``demo.case_texts`` (current or older layout)."""
    if hasattr(texts, "problem"):
        return texts.problem(code, rng)
    titles, descriptions = texts.PROBLEMS[code]  # older layout: (titles, descriptions)
    fragments = texts.place(rng)
    return (
        texts.fill(rng.choice(titles), fragments),
        texts.fill(rng.choice(descriptions), fragments),
        texts.address(rng, fragments),
    )


def _columns(model) -> list:
    return list(model._meta.concrete_fields)


def _defaults(fields) -> dict:
    """Constant defaults of the fields the generator leaves out (callable ones it always sets)."""
    return {f.attname: f.get_default() for f in fields if not (f.has_default() and callable(f.default))}


class Loader:
    """Generates the rows; ``load(n)`` writes them."""

    def __init__(
        self,
        *,
        now: dt.datetime | None = None,
        seed: int = SEED,
        batch: int = BATCH,
        out=None,
        days: int = DAYS,
    ):
        self.days = days
        from django.utils import timezone

        self.now = now or timezone.now()
        self.rng = random.Random(seed)
        self.batch = batch
        self.out = out or sys.stdout
        self._prepare()

    # -- reference data -------------------------------------------------------------------------

    def _prepare(self) -> None:
        import shapely
        from shapely.geometry import shape

        from cases.models import Case, CaseAssignment, Category, Responsibility
        from core import privacy
        from demo import case_texts as texts
        from demo import cases as cases_demo
        from demo.orgs import find_demo_root
        from orgs.models import Org, OrgKind

        rng = self.rng
        root = find_demo_root()
        if root is None:
            raise SystemExit("no demo district: run build_demo first (bench/cases.py does)")
        self.root = root
        self.responsibilities_added = cases_demo.ensure_responsibilities(root)
        under = Org.objects.filter(path__startswith=root.path, archived_at__isnull=True)
        areas = {o.path: _Unit(o) for o in under.filter(kind__in=("street", "town", "community", "village"))}
        self.departments = {o.name: _Unit(o) for o in under.filter(kind=OrgKind.DEPARTMENT)}
        grids, weights = [], []
        for g in under.filter(kind=OrgKind.GRID).order_by("path"):
            community, street = areas.get(g.path[: -Org.steplen]), areas.get(g.path[: -2 * Org.steplen])
            if community is None or street is None:
                continue
            points = []
            if g.geometry:
                polygon = shape(g.geometry)
                shapely.prepare(polygon)
                minx, miny, maxx, maxy = polygon.bounds
                for _ in range(60):
                    x, y = minx + rng.random() * (maxx - minx), miny + rng.random() * (maxy - miny)
                    if shapely.contains_xy(polygon, x, y):
                        points.append((round(x, 6), round(y, 6)))
                        if len(points) == 6:
                            break
            grids.append((_Unit(g), community, street, points or [(None, None)]))
            weights.append(float(g.households or 300))
        if not grids:
            raise SystemExit("the demo district has no grids")
        self.grids = grids
        self.grid_cum = list(itertools.accumulate(weights))

        categories = {c.code: c for c in Category.objects.select_related("parent")}
        codes = [c for c in cases_demo.CATEGORY_WEIGHTS if c in categories and categories[c].active]
        self.category_rows = {code: _Category(c) for code, c in categories.items()}
        self.categories = categories
        self.codes = codes
        self.code_cum = list(itertools.accumulate(cases_demo.CATEGORY_WEIGHTS[c] for c in codes))
        self.emergency = cases_demo.EMERGENCY_CATEGORIES
        self.on_spot_codes = set(cases_demo.ON_SPOT_CATEGORIES)

        # Responsibility list → lead unit per (category, community): most specific area first,
        # the exact 小类 before its 大类 (as ``selectors.suggest_units``).
        self.resp: dict[int, list] = {}
        for r in Responsibility.objects.filter(active=True).select_related("unit"):
            self.resp.setdefault(r.category_id, []).append(r)
        self._lead_cache: dict = {}
        self._units = {u.pk: u for u in [*areas.values(), *self.departments.values()]}
        self._days: dict = {}
        self.fallback_unit = self.departments.get(cases_demo.URBAN) or next(iter(self.departments.values()))
        wrong = (cases_demo.URBAN, cases_demo.HOUSING, cases_demo.MARKET)
        self.wrong_units = [self.departments[n] for n in wrong if n in self.departments]
        self.police = self.departments.get(cases_demo.POLICE)
        self.market = self.departments.get(cases_demo.MARKET)

        # Text pools (reused: the text does not matter for the queries measured).
        self.texts = {}
        for code in codes:
            pool = []
            for _ in range(12):
                title, description, address = _problem(texts, code, rng)
                pool.append((title[:100], description, address[:200]))
            self.texts[code] = (pool, [texts.feedback_for(code, rng) for _ in range(4)])
        self.hotline = (texts.HOTLINE_PREFIX, texts.HOTLINE_SUFFIX)
        self.patrol_prefix = texts.PATROL_PREFIX
        self.reject_reasons = texts.REJECT_REASONS
        self.instructions = texts.INSTRUCTIONS
        self.co_feedback = texts.CO_FEEDBACK
        self.return_notes = texts.RETURN_NOTES
        self.rating_comments = texts.RATING_COMMENTS
        surnames = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗"
        # Encrypting a phone costs ~50 µs (Fernet): encrypt a pool once.
        self.reporters = []
        for _ in range(400):
            phone = "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
            self.reporters.append(
                (rng.choice(surnames) + rng.choice(("先生", "女士")), privacy.encrypt(phone))
            )

        self.case_fields = _columns(Case)
        self.assignment_fields = _columns(CaseAssignment)
        self.case_defaults = _defaults(self.case_fields)
        self.assignment_defaults = _defaults(self.assignment_fields)
        self.Case, self.CaseAssignment = Case, CaseAssignment

    def lead_for(self, code: str, community):
        key = (code, community.pk)
        unit = self._lead_cache.get(key)
        if unit is None:
            category = self.categories[code]
            ids = [category.pk] + ([category.parent_id] if category.parent_id else [])
            rows = [r for pk in ids for r in self.resp.get(pk, ()) if community.path.startswith(r.org_path)]
            rows.sort(key=lambda r: (-len(r.org_path), ids.index(r.category_id)))
            unit = self._units.get(rows[0].unit_id) or _Unit(rows[0].unit) if rows else self.fallback_unit
            self._lead_cache[key] = unit
        return unit

    def co_unit_for(self, code: str, lead, community, street):
        if lead.kind == "department":
            candidates = [self.market if code in ("0305", "0502") else None, community, street]
        else:
            candidates = [self.police if code in ("2003", "2004") else None, self.fallback_unit, street]
        for unit in candidates:
            if unit is not None and unit.pk != lead.pk:
                return unit
        return None

    # -- one case -------------------------------------------------------------------------------

    def moments(self, n: int):
        """``n`` report moments over the last ``self.days`` days in time order (ids follow time, as in
        production): days off half as busy, 07–22 local time peaking mid-morning."""
        rng, now = self.rng, self.now
        today = now.astimezone(CST).date()
        days = [today - dt.timedelta(days=d) for d in range(self.days, -1, -1)]
        weights = [0.5 if day.weekday() >= 5 else 1.0 for day in days]
        now_hour = (now.astimezone(CST) - dt.datetime.combine(today, dt.time(), CST)) / H
        if now_hour < 8:
            weights[-1] = 0.0  # too early today for reports
        else:
            weights[-1] *= min(1.0, (now_hour - 7) / 15)
        total, acc, given = sum(weights), 0.0, 0
        for day, weight in zip(days, weights, strict=True):
            acc += n * weight / total
            count = round(acc) - given
            given += count
            if not count:
                continue
            top = min(22.0, now_hour - 0.1) if day == today else 22.0
            hours = sorted(rng.triangular(7, top, min(10.0, top)) for _ in range(count))
            midnight = dt.datetime.combine(day, dt.time(), CST)
            for hour in hours:
                yield (midnight + H * hour).astimezone(dt.UTC)

    def _status(self, age_days: float) -> str:
        """Young cases are mostly still open; about 90 % of all end up closed, 2 % rejected."""
        rng = self.rng
        if age_days < OPEN_WINDOW_DAYS:
            p_open = OPEN_PEAK
        else:
            p_open = OPEN_PEAK * math.exp(-(age_days - OPEN_WINDOW_DAYS) / OPEN_DECAY_DAYS)
        r = rng.random()
        if r < p_open:
            return rng.choices(OPEN_STATUSES, cum_weights=OPEN_CUM)[0]
        return "rejected" if rng.random() < REJECTED_SHARE else "closed"

    def case_rows(self, case_id: int, created: dt.datetime, day_seq: dict) -> tuple[dict, list[dict]]:
        rng, now = self.rng, self.now
        status = self._status((now - created) / DAY)
        grid, community, street, points = self.grids[
            bisect.bisect(self.grid_cum, rng.random() * self.grid_cum[-1])
        ]
        code = self.codes[bisect.bisect(self.code_cum, rng.random() * self.code_cum[-1])]
        channel = rng.choices(CHANNEL_NAMES, cum_weights=CHANNEL_CUM)[0]
        urgency = (
            "emergency"
            if rng.random() < self.emergency.get(code, 0.0)
            else "urgent"
            if rng.random() < 0.08
            else "ordinary"
        )
        pool, feedbacks = self.texts[code]
        title, description, address = rng.choice(pool)
        if channel == "hotline":
            description = rng.choice(self.hotline[0]) + description + rng.choice(self.hotline[1])
        elif channel == "patrol":
            description = rng.choice(self.patrol_prefix) + description
        lon, lat = rng.choice(points)
        anonymous = channel != "patrol" and rng.random() < ANONYMOUS_SHARE
        name, phone = ("", "") if anonymous or channel == "patrol" else rng.choice(self.reporters)
        category = self.category_rows[code]
        has_category = channel == "patrol" or rng.random() < 0.5
        c = {
            "id": case_id,
            "org_id": grid.pk,
            "org_path": grid.path,
            "access_token": secrets.token_urlsafe(12),
            "channel": channel,
            "title": title,
            "description": description,
            "address": address,
            "longitude": lon,
            "latitude": lat,
            "grid_id": grid.pk,
            "community_id": community.pk,
            "street_id": street.pk,
            "reporter_name": name,
            "reporter_phone_encrypted": phone,
            "anonymous": anonymous,
            "category_id": category.pk if has_category else None,
            "urgency": urgency,
            "status": status,
            "stage": "",
            "stage_started_at": None,
            "due_at": None,
            "handle_due_at": None,
            "lead_unit_id": None,
            "rework_count": 0,
            "created_at": created,
        }
        assignments: list[dict] = []
        limits = LIMITS_BY_URGENCY[urgency]
        on_spot = (
            status == "closed"
            and channel == "patrol"
            and code in self.on_spot_codes
            and rng.random() < ON_SPOT_SHARE
        )
        if status not in ("closed", "rejected"):
            self._open_stage(c, status, created, limits)

        if status == "rejected":
            c["rejected_reason"] = rng.choice(self.reject_reasons)
        elif on_spot:
            c.update(
                category_id=category.pk,
                resolved_on_spot=True,
                lead_unit_id=grid.pk,
                registered_at=created,
                dispatched_at=created,
                fed_back_at=created,
                closed_at=created,
                closed_on_time=True,
            )
        elif status not in ("reported", "verifying"):
            # Registered (and maybe further): category set; a lead unit from the responsibility list.
            c["category_id"] = category.pk
            lead = self.lead_for(code, community)
            co = self.co_unit_for(code, lead, community, street) if rng.random() < CO_UNIT_SHARE else None
            if status == "closed":
                self._closed(c, assignments, created, lead, co, limits, feedbacks)
            elif status == "registered":
                c["registered_at"] = c["stage_started_at"]
            else:
                self._open_dispatched(c, assignments, status, lead, co, limits, feedbacks)
            if category.needs_verification:
                c["verified_at"] = created + (c["registered_at"] - created) * rng.uniform(0.2, 0.9)
        c["number"] = self._number(created, day_seq)
        return c, assignments

    def _open_stage(self, c: dict, status: str, created: dt.datetime, limits: dict) -> None:
        """The running stage of an open case: started after the report, due around now — overdue
        for some (always for cases forgotten for weeks), due later (some within hours) for the rest."""
        rng, now = self.rng, self.now
        stage = STAGE_OF[status]
        limit = limits[stage]
        latest = max(now - H * 0.05, created)
        earliest = min(created + (H * 0.5 if status not in ("reported", "verifying") else H * 0), latest)
        can_be_late = earliest + limit < now - H
        age_days = (now - created) / DAY
        if can_be_late and (age_days > FORGOTTEN_DAYS or rng.random() < OVERDUE_CHANCE):
            started = earliest + (now - H - limit - earliest) * rng.random()
        else:
            low = max(earliest, now - limit + H * 0.05)
            started = low + (latest - low) * rng.random() if low < latest else latest
        c["stage"], c["stage_started_at"], c["due_at"] = stage, started, started + limit

    def _number(self, created: dt.datetime, day_seq: dict) -> str:
        local = created.astimezone(CST)
        key = (local.year, local.month, local.day)
        day = self._days.get(key)
        if day is None:
            day = self._days[key] = f"{key[0]:04d}{key[1]:02d}{key[2]:02d}"
        seq = day_seq.get(day, 0) + 1
        day_seq[day] = seq
        return f"{PREFIX}{day}-{seq:06d}"

    def _assignment(
        self, c: dict, unit, role: str, status: str, dispatched: dt.datetime, limits: dict, **extra
    ) -> dict:
        row = {
            "case_id": c["id"],
            "org_id": unit.pk,
            "org_path": unit.path,
            "role": role,
            "status": status,
            "instructions": self.rng.choice(self.instructions),
            "dispatched_at": dispatched,
            "sign_due_at": dispatched + limits["sign"],
            "return_due_at": dispatched + limits["dispatch"],
            "handle_due_at": c["handle_due_at"],
        }
        row.update(extra)
        return row

    def _closed(self, c, assignments, created, lead, co, limits, feedbacks) -> None:
        """A whole life in hours after the report, squeezed when it would end after now."""
        rng, now = self.rng, self.now
        handle = limits["handle"] / H
        registered = rng.uniform(0.2, 20)
        dispatched = registered + rng.uniform(0.1, 6)
        returned = None
        if rng.random() < RETURN_SHARE:
            upheld = rng.random() < RETURN_UPHELD_SHARE
            first = lead if not upheld else next((u for u in self.wrong_units if u.pk != lead.pk), lead)
            returned = [first, dispatched, dispatched + rng.uniform(0.5, 6), upheld]
            if upheld:
                dispatched = returned[2] + rng.uniform(0.5, 8)
        signed = dispatched + rng.uniform(0.05, 4)
        late = rng.random() < LATE_SHARE
        if late:
            fed_back = dispatched + handle + rng.uniform(1, 96)
        else:
            fed_back = signed + (dispatched + handle - signed) * rng.uniform(0.05, 0.95)
        closed = fed_back + rng.uniform(1, 48)
        rated = closed + rng.uniform(1, 72) if rng.random() < RATED_SHARE else None
        budget = (now - created) / H - 1
        scale = min(1.0, max(budget, 0.01) / (rated or closed))
        at = lambda hours: created + H * (hours * scale)  # noqa: E731
        rework = 0 if rng.random() > 0.10 else (1 if rng.random() < 0.8 else 2)
        c.update(
            lead_unit_id=lead.pk,
            registered_at=at(registered),
            dispatched_at=at(dispatched),
            handle_due_at=at(dispatched + handle),
            fed_back_at=at(fed_back),
            closed_at=at(closed),
            closed_on_time=not late,
            rework_count=rework,
        )
        if rated:
            satisfaction = rng.choices(SATISFACTION, cum_weights=SATISFACTION_CUM)[0]
            c.update(
                rated_at=at(rated),
                rating_contacted=rng.random() < 0.95,
                rating_resolved=satisfaction != "dissatisfied" or rng.random() < 0.3,
                rating_satisfaction=satisfaction,
                rating_comment=rng.choice(self.rating_comments[satisfaction]),
            )
        else:
            c.update(
                stage="callback", stage_started_at=c["closed_at"], due_at=c["closed_at"] + limits["callback"]
            )
        reason = rng.choice(("not_our_duty", "not_our_duty", "info_incomplete"))
        note = rng.choice(self.return_notes[reason])
        extra = {}
        if returned and returned[3]:  # upheld: the wrong unit's returned row, then the real lead
            first, first_at, returned_at = returned[0], at(returned[1]), at(returned[2])
            assignments.append(
                self._assignment(
                    {**c, "handle_due_at": first_at + limits["handle"]},
                    first,
                    "lead",
                    "returned",
                    first_at,
                    limits,
                    returned_at=returned_at,
                    return_reason=reason,
                    return_note=note,
                    return_upheld=True,
                )
            )
        elif returned:  # overruled: the same unit returned it, then carried on
            extra = {"returned_at": at(returned[2]), "return_reason": reason, "return_note": note}
            extra["return_upheld"] = False
            signed = max(signed, returned[2])
        assignments.append(
            self._assignment(
                c,
                lead,
                "lead",
                "fed_back",
                c["dispatched_at"],
                limits,
                signed_at=at(signed),
                fed_back_at=c["fed_back_at"],
                feedback=rng.choice(feedbacks),
                **extra,
            )
        )
        if co is not None:
            assignments.append(
                self._assignment(
                    c,
                    co,
                    "co",
                    "fed_back",
                    c["dispatched_at"],
                    limits,
                    signed_at=at(min(signed + 0.5, fed_back)),
                    fed_back_at=c["fed_back_at"],
                    feedback=rng.choice(self.co_feedback),
                )
            )

    def _open_dispatched(self, c, assignments, status, lead, co, limits, feedbacks) -> None:
        rng = self.rng
        created, started = c["created_at"], c["stage_started_at"]
        if status == "dispatched":
            dispatched = started
        elif status == "handling":
            dispatched = started - H * rng.uniform(0.05, 4)
        else:  # fed_back / returned
            dispatched = started - H * rng.uniform(1, 5 * 24)
        dispatched = max(dispatched, created + (started - created) * 0.3)
        c["registered_at"] = dispatched - (dispatched - created) * rng.uniform(0.05, 0.5)
        c["dispatched_at"] = dispatched
        c["lead_unit_id"] = lead.pk
        c["handle_due_at"] = c["due_at"] if status == "handling" else dispatched + limits["handle"]
        co_status = "pending"
        if status == "dispatched":
            lead_row = self._assignment(c, lead, "lead", "pending", dispatched, limits)
        elif status == "handling":
            lead_row = self._assignment(c, lead, "lead", "signed", dispatched, limits, signed_at=started)
            co_status = "signed" if rng.random() < 0.7 else "pending"
        elif status == "fed_back":
            lead_row = self._assignment(
                c,
                lead,
                "lead",
                "fed_back",
                dispatched,
                limits,
                signed_at=dispatched + (started - dispatched) * 0.2,
                fed_back_at=started,
                feedback=rng.choice(feedbacks),
            )
            c["fed_back_at"] = started
            if started > c["handle_due_at"]:
                c["closed_on_time"] = False
            co_status = "fed_back"
        else:  # returned: the lead unit sent it back; the dispatcher has not ruled yet
            lead_row = self._assignment(
                c,
                lead,
                "lead",
                "returned",
                dispatched,
                limits,
                returned_at=started,
                return_reason="not_our_duty",
                return_note=rng.choice(self.return_notes["not_our_duty"]),
            )
        assignments.append(lead_row)
        if co is not None:
            assignments.append(self._assignment(c, co, "co", co_status, dispatched, limits))

    # -- writing --------------------------------------------------------------------------------

    def _start_ids(self) -> tuple[int, int, dict]:
        from django.db.models import Max

        Case, CaseAssignment = self.Case, self.CaseAssignment
        case_id = Case.objects.aggregate(m=Max("id"))["m"] or 0
        assignment_id = CaseAssignment.objects.aggregate(m=Max("id"))["m"] or 0
        day_seq: dict[str, int] = {}
        for number in (
            Case.objects.filter(number__startswith=PREFIX).values_list("number", flat=True).iterator()
        ):
            day, seq = number[len(PREFIX) : len(PREFIX) + 8], int(number.rsplit("-", 1)[1])
            if seq > day_seq.get(day, 0):
                day_seq[day] = seq
        return case_id, assignment_id, day_seq

    def load(self, n: int) -> dict:
        from django.db import connection, transaction

        if n <= 0:
            return {"cases": 0, "assignments": 0, "seconds": 0.0}
        case_id, assignment_id, day_seq = self._start_ids()
        copy = connection.vendor == "postgresql"
        case_cols = [(f.attname, f.column) for f in self.case_fields]
        assignment_cols = [(f.attname, f.column) for f in self.assignment_fields]
        cd, ad = self.case_defaults, self.assignment_defaults
        if copy:
            # Every row references existing orgs/categories and its own case: skip the per-row
            # foreign-key triggers during the load (superuser only; reset below).
            with connection.cursor() as cursor:
                try:
                    cursor.execute("SET session_replication_role = replica")
                    self.fk_triggers = "off"
                except Exception:  # not a superuser: keep the triggers
                    self.fk_triggers = "on"
        moments = self.moments(n)
        started = time.perf_counter()
        done = assignments_done = 0
        gen_seconds = 0.0
        while done < n:
            size = min(self.batch, n - done)
            t0 = time.perf_counter()
            cases, assignments = [], []
            for _ in range(size):
                case_id += 1
                c, rows = self.case_rows(case_id, next(moments), day_seq)
                cases.append(c)
                for row in rows:
                    assignment_id += 1
                    row["id"] = assignment_id
                    assignments.append(row)
            gen_seconds += time.perf_counter() - t0
            with transaction.atomic():
                if copy:
                    self._copy(connection, self.Case._meta.db_table, case_cols, cd, cases)
                    self._copy(
                        connection, self.CaseAssignment._meta.db_table, assignment_cols, ad, assignments
                    )
                else:
                    self.Case.objects.bulk_create([self.Case(**{**cd, **c}) for c in cases])
                    self.CaseAssignment.objects.bulk_create(
                        [self.CaseAssignment(**{**ad, **a}) for a in assignments]
                    )
            done += size
            assignments_done += len(assignments)
            if done % (self.batch * 20) == 0 or done == n:
                elapsed = time.perf_counter() - started
                self.out.write(
                    f"  {done:>9,} cases, {assignments_done:>9,} assignments  "
                    f"{elapsed:6.1f} s  {done / elapsed:8,.0f} cases/s\n"
                )
                self.out.flush()
        if copy:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
                for model in (self.Case, self.CaseAssignment):
                    table = model._meta.db_table
                    sequence = f"pg_get_serial_sequence('{table}', 'id')"
                    cursor.execute(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))")
        seconds = time.perf_counter() - started
        return {
            "cases": done,
            "assignments": assignments_done,
            "seconds": seconds,
            "generate_seconds": gen_seconds,
            "method": ("COPY" if copy else "bulk_create")
            + (" (FK triggers off)" if getattr(self, "fk_triggers", "") == "off" else ""),
        }

    @staticmethod
    def _copy(connection, table: str, cols, defaults: dict, rows: list[dict]) -> None:
        names = ", ".join(f'"{column}"' for _, column in cols)
        attnames = [attname for attname, _ in cols]
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
            with raw.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row([row[a] if a in row else defaults[a] for a in attnames])


def vacuum_analyze(out=sys.stdout) -> float:
    """VACUUM ANALYZE the case tables (visibility map + planner statistics after a bulk load) and
    ANALYZE the rest (a fresh demo district has no statistics yet; autovacuum would get there)."""
    from django.db import connection

    from cases.models import Case, CaseAssignment

    if connection.vendor != "postgresql":
        return 0.0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (Case, CaseAssignment):
            cursor.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')
        cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    out.write(f"VACUUM ANALYZE {seconds:.1f} s\n")
    return seconds


def load(n: int, *, seed: int = SEED, batch: int = BATCH, days: int = DAYS, out=sys.stdout) -> dict:
    loader = Loader(seed=seed, batch=batch, out=out, days=days)
    if loader.responsibilities_added:
        out.write(f"responsibility list: {loader.responsibilities_added} rows added\n")
    out.write(f"loading {n:,} cases over {days:,} days ({loader.batch:,} per batch) …\n")
    result = loader.load(n)
    rows = result["cases"] + result["assignments"]
    if result["cases"]:
        out.write(
            f"loaded {result['cases']:,} cases + {result['assignments']:,} assignments by {result['method']} "
            f"in {result['seconds']:.1f} s: {result['cases'] / result['seconds']:,.0f} cases/s, "
            f"{rows / result['seconds']:,.0f} rows/s (generating the rows in Python: "
            f"{result['generate_seconds']:.1f} s)\n"
        )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="postgres://… (or sqlite:///… for a small smoke run)")
    parser.add_argument("--cases", type=int, default=1_000_000, help="how many cases to add")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument(
        "--years",
        type=float,
        default=1,
        help="spread the cases over this many years before now (5M cases over 5 years: a district's "
        "history at the 1M bench's monthly volume)",
    )
    args = parser.parse_args()
    setup(args.db)
    load(args.cases, seed=args.seed, batch=args.batch, days=round(365 * args.years))
    vacuum_analyze()


if __name__ == "__main__":
    main()
