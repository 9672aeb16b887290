"""Everything the compliance rules need about one subtree and period: each data set is a small
loader (a cached property) that runs its one query the first time a rule asks for it, so a full
check loads every set once and a check of a few rules (the development overview) only what those
rules read."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from operator import attrgetter, itemgetter

from dateutil.relativedelta import relativedelta
from django.db.models import Min, Q

from orgs.models import PARTY_KINDS, Org, Position
from orgs.scoping import subtree_q
from party.life import study as memberyear
from party.life.models import Meeting
from party.membership import status as member_status
from party.membership.models import Member, MemberCategory, MemberStatus
from party.rules import Rules
from party.terms.models import Appointment, ApprovalState, Term

COMMITTEE_POSTS = ("secretary", "deputy_secretary", "committee_member")


class Context:
    """The subtree of ``root`` (a party organization, or the party organizations built in an
    administrative unit), the window [start, end] and the reference day ``ref``.

    ``paths``: only the records of the organizations with exactly these paths (a part of a party
    organization's subtree, ``party.compliance.incremental``); ``root`` stays the subtree's root
    (its rule data, the bounds over the organizations checked)."""

    def __init__(self, root: Org, start: dt.date, end: dt.date, ref: dt.date, paths: list[str] | None = None):
        self.root, self.start, self.end, self.ref = root, start, end, ref
        self.paths = sorted(paths) if paths is not None else None
        # Meetings are read from a year before the window (the last one held before a missing one).
        self.since = start - relativedelta(years=1)
        self._param_memo: dict = {}
        self._source_memo: dict = {}
        self._branch_memo: dict = {}

    def preload(self) -> Context:
        """Load every data set now (for measuring the rules' own queries)."""
        for name in LOADERS:
            getattr(self, name)
        return self

    # -- rule data ---------------------------------------------------------------------------------

    @functools.cached_property
    def rules(self) -> Rules:
        return Rules.load(self.ref)

    @functools.cached_property
    def _local_codes(self) -> set[str]:
        """Codes with a local override somewhere: only their value depends on the organization."""
        return {code for code, rows in self.rules.rows.items() if any(r.org_path for r in rows)}

    def _key(self, code: str, org: Org | None):
        return (code, org.path if org is not None and code in self._local_codes else None)

    def param(self, code: str, org: Org | None = None):
        """The rule value for ``org`` (memoized per code and path: the rules ask it for every
        meeting and member, and local overrides depend only on the path)."""
        key = self._key(code, org)
        try:
            return self._param_memo[key]
        except KeyError:
            value = self._param_memo[key] = self.rules.get(code, org)
            return value

    def source(self, code: str | None, org: Org | None = None) -> str:
        """The rule's source text (memoized like ``param``)."""
        if not code:
            return ""
        key = self._key(code, org)
        try:
            return self._source_memo[key]
        except KeyError:
            value = self._source_memo[key] = self.rules.source(code, org)
            return value

    def highest(self, code: str):
        """The highest value of a rule parameter over the organizations checked (local overrides
        included): a bound for picking candidates in the database."""
        return max(self.param(code, org) for org in [self.root, *self.branches])

    def lowest(self, code: str):
        """The lowest value of a rule parameter over the organizations checked (as ``highest``)."""
        return min(self.param(code, org) for org in [self.root, *self.branches])

    # -- scope and organizations -------------------------------------------------------------------

    @functools.cached_property
    def _tops(self) -> list[str] | None:
        """For an administrative unit: the paths of the topmost party organizations built in it
        (None for a party organization)."""
        if self.root.is_party:
            return None
        hosted = list(
            Org.objects.filter(subtree_q("host__path", self.root.path), kind__in=PARTY_KINDS).values_list(
                "path", flat=True
            )
        )
        return [p for p in sorted(hosted) if not any(p != q and p.startswith(q) for q in hosted)]

    def scope_q(self, f: str = "org_path") -> Q:
        """The records of the subtree (or of the organizations ``paths``), by their denormalized
        path field ``f``."""
        if self.paths is not None:
            return Q(**{f"{f}__in": self.paths})
        return self.whole_q(f)

    def whole_q(self, f: str = "org_path") -> Q:
        """The records of the whole subtree, even when the context covers only ``paths``."""
        if self._tops is None:
            return subtree_q(f, self.root.path)
        q = Q(pk__in=[])
        for path in self._tops:
            q |= subtree_q(f, path)
        return q

    @functools.cached_property
    def orgs(self) -> dict[int, Org]:
        """The live party organizations in tree order (the rules list them in findings and
        evidence: the same order however the database read them, so that an incremental
        recomputation gives the full one's findings word for word)."""
        found = Org.objects.filter(self.scope_q("path"), kind__in=PARTY_KINDS, archived_at__isnull=True)
        return {o.pk: o for o in sorted(found.select_related("host"), key=attrgetter("path"))}

    @functools.cached_property
    def by_path(self) -> dict[str, Org]:
        return {o.path: o for o in self.orgs.values()}

    @functools.cached_property
    def branches(self) -> list[Org]:
        return [o for o in self.orgs.values() if o.kind == "branch"]

    @functools.cached_property
    def branch_by_org(self) -> dict[int, Org | None]:
        """The branch each organization's records count for (a party group's: its branch), for the
        rules that look it up for every meeting."""
        return {org_id: self.branch_of(org_id) for org_id in self.orgs}

    def branch_of(self, org_id: int) -> Org | None:
        try:
            return self._branch_memo[org_id]
        except KeyError:
            pass
        org = self.orgs.get(org_id)
        if org is not None and org.kind == "group":
            org = self.by_path.get(org.path[: -Org.steplen])
        self._branch_memo[org_id] = org
        return org

    # -- members, posts, terms ---------------------------------------------------------------------

    @functools.cached_property
    def in_scope(self):
        """The members in good standing of the subtree on the reference day (a queryset)."""
        return Member.objects.filter(self.scope_q(), status=MemberStatus.NORMAL, joined_on__lte=self.ref)

    @functools.cached_property
    def members(self) -> dict[int, dict]:
        rows = self.in_scope.values(
            "pk",
            "org_id",
            "category",
            "person_id",
            "joined_on",
            "full_member_on",
            "person__name",
            "person__org_id",
            "person__birth_date",
        )
        # By id, in Python (the rows come nearly sorted: cheaper than an ORDER BY of 300,000 rows):
        # the rules list members in their evidence in this order.
        return {m["pk"]: m for m in sorted(rows, key=itemgetter("pk"))}

    def formal_people(self, person_ids) -> set[int]:
        """Of ``person_ids``, the people who are formal members in good standing anywhere in the
        whole subtree (a committee's secretary is usually a member of one of its branches)."""
        if self.paths is None:
            return {m["person_id"] for m in self.members.values() if m["category"] == MemberCategory.FORMAL}
        return set(
            Member.objects.filter(
                self.whole_q(),
                status=MemberStatus.NORMAL,
                joined_on__lte=self.ref,
                category=MemberCategory.FORMAL,
                person_id__in=set(person_ids),
            ).values_list("person_id", flat=True)
        )

    @functools.cached_property
    def members_of(self) -> dict[int, list[dict]]:
        result: dict[int, list[dict]] = defaultdict(list)
        for m in self.members.values():
            result[m["org_id"]].append(m)
        return result

    @functools.cached_property
    def member_by_person(self) -> dict[tuple[int, int], dict]:
        """The members by (organization, person), for the rules that start from posts."""
        return {(m["org_id"], m["person_id"]): m for m in self.members.values()}

    @functools.cached_property
    def posts(self) -> dict[int, list[dict]]:
        """The committee posts in force on the reference day, by organization."""
        result: dict[int, list[dict]] = defaultdict(list)
        for p in (
            Position.objects.current(self.ref)
            .filter(self.scope_q(), kind__in=COMMITTEE_POSTS)
            .order_by("org_id", "pk")  # the evidence lists them: the same order however the rows are read
            .values("org_id", "kind", "person_id", "person__name")
        ):
            result[p["org_id"]].append(p)
        return result

    @functools.cached_property
    def _terms(self) -> tuple[dict[int, Term], dict[int, Term]]:
        terms: dict[int, Term] = {}
        pending: dict[int, Term] = {}
        for term in (
            Term.objects.filter(self.scope_q(), started_on__lte=self.ref)
            .exclude(state=ApprovalState.REJECTED)
            .order_by("org_id", "started_on", "pk")
        ):
            if term.state == ApprovalState.APPROVED:
                terms[term.org_id] = term
            elif term.created_at.date() <= self.ref:
                pending[term.org_id] = term
        return terms, pending

    @property
    def terms(self) -> dict[int, Term]:
        """The approved term in force, by organization."""
        return self._terms[0]

    @property
    def pending_terms(self) -> dict[int, Term]:
        """An election reported and awaiting approval, by organization."""
        return self._terms[1]

    @functools.cached_property
    def pending_secretary(self) -> dict[int, Appointment]:
        result: dict[int, Appointment] = {}
        for appointment in (
            Appointment.objects.filter(
                self.scope_q(), post="secretary", state=ApprovalState.REPORTED, elected_on__lte=self.ref
            )
            .select_related("person")
            .order_by("reported_at")
        ):
            result[appointment.org_id] = appointment
        return result

    # -- meetings and presence ---------------------------------------------------------------------

    @functools.cached_property
    def meetings(self) -> list[tuple]:
        """The live meetings of the window and the year before it as (pk, org, kind, day), latest
        first. The rules that concern few meetings ask the database (``window_meetings``)."""
        return list(
            Meeting.objects.live()
            .filter(self.scope_q(), held_on__gte=self.since, held_on__lte=self.ref)
            .order_by("-held_on", "-pk")
            .values_list("pk", "org_id", "kind", "held_on")
        )

    def window_meetings(self):
        """The live meetings in the window (up to ``ref``), for the rules that let the database
        pick the few that matter out of all of them. Latest first."""
        return (
            Meeting.objects.live()
            .filter(self.scope_q(), held_on__gte=self.start, held_on__lte=min(self.end, self.ref))
            .order_by("-held_on", "-pk")
        )

    @functools.cached_property
    def recent_cutoff(self) -> dt.date:
        """Members present after this day are not lapsed under any organization's rule data."""
        warn = min(self.param("lapse.warn_months", o) for o in [self.root, *self.branches])
        return self.ref - relativedelta(months=warn) + dt.timedelta(days=7)

    @functools.cached_property
    def _last_present_all(self) -> dict[int, dt.date]:
        """Last time present at a live meeting, from the member years."""
        return memberyear.last_present(self.in_scope, self.ref)

    @functools.cached_property
    def recent_present(self) -> set[int]:
        return {m for m, day in self._last_present_all.items() if day > self.recent_cutoff}

    @functools.cached_property
    def last_present(self) -> dict[int, dt.date]:
        return {m: day for m, day in self._last_present_all.items() if day <= self.recent_cutoff}

    @functools.cached_property
    def status_spans(self) -> dict[int, list[member_status.Span]]:
        """The members' live status periods (请假/行动不便/长期外出/流动党员, 正当理由) with a day
        from a year before the window up to the reference day, by member (one query): the
        lapse, attendance and study-hour rules excuse the days inside them."""
        return member_status.spans(self.scope_q(), self.since, self.ref)

    @functools.cached_property
    def first_meeting(self) -> dict[int, dt.date]:
        """The day of each branch's first recorded meeting (its groups' included)."""
        first_by_org = dict(
            Meeting.objects.live()
            .filter(self.scope_q(), held_on__lte=self.ref)
            .values("org_id")
            .annotate(first=Min("held_on"))
            .values_list("org_id", "first")
        )
        result: dict[int, dt.date] = {}
        for org_id, first in first_by_org.items():
            branch = self.branch_of(org_id)
            if branch is not None:
                current = result.get(branch.pk)
                result[branch.pk] = min(first, current) if current else first
        return result


LOADERS = (
    "rules",
    "orgs",
    "branch_by_org",
    "members",
    "members_of",
    "posts",
    "_terms",
    "pending_secretary",
    "meetings",
    "recent_present",
    "last_present",
    "first_meeting",
    "status_spans",
)
