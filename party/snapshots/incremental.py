"""Incremental recomputation of a large subtree's findings (研判快照的增量重算).

A district's findings are mostly per branch: a branch's meetings, members, posts, talks … decide
what is found on that branch. When a stored snapshot is stale, only the branches whose records
changed since it was computed need their rules run again; the others' findings are read back from
the snapshot. ``findings`` returns the same findings as ``compliance.check`` (the test suite and
``bench/party.py`` compare them) by putting together:

- the previous snapshot's findings on the unchanged branches (and their party groups);
- the local checks run again over the changed branches and over every organization above a branch
  (a committee's own records: few, and the cheapest way to keep them right) — one ``Context`` over
  exactly those organizations' records;
- the checks marked ``registry.whole_subtree`` (they read records outside the organization they
  report on: another branch's minutes or photos, a committee's admissions …) run again over the
  whole subtree.

Which branches changed: the audit events since the previous computation (their ``scope_path``
and any ``org_path`` in their before/after), and the meetings and talks written, voided or
superseded since (they may come in bulk without an event, like ``data_version`` allows) — both
looked for from ``REWIND`` before the previous computation started. The full path (every rule over
the whole subtree) is taken when there is no previous state to build on, or when something that
concerns every branch changed: the organization tree (paths, names, kinds, hosts), the rule data
(``RuleParameter``), fewer meetings or talks than before (a deletion: no service deletes them),
an event of a subject in ``FULL_SUBJECTS`` (organizations, people, transfers, the working-day
calendar), or an event under the subtree that no branch or committee can be told from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import zlib
from collections import defaultdict

from django.db.models import Count, Max, Q

from audit.models import AuditEvent
from core import clock
from orgs.models import PARTY_KINDS, Org
from orgs.scoping import subtree_q
from party import compliance
from party.compliance import registry
from party.compliance.findings import sort_key
from party.life.models import Meeting
from party.rules.models import RuleParameter
from party.talks.models import Talk

# The apps whose records the compliance engine reads: party records, the organization tree, posts
# and people, the working-day calendar (公示 periods), and whatever the apps that register rules
# declare (``compliance.registry.reads``: village decisions, 四议两公开). A case or a supervision
# task changing does not make the party findings stale.
FINDING_SOURCES = ("party.", "orgs.", "workdays.")

# Subjects whose changes concern every branch: the tree and the people's names (in the findings'
# text), transfers (two branches, one event), the calendar (公示 periods) and the rule data.
FULL_SUBJECTS = ("orgs.org", "orgs.person", "workdays.", "party.ruleparameter", "party.transfer")


# Changes are looked for from this long before the previous computation started: a transaction
# that wrote a meeting (or an audit event) before that moment but committed after it is not missed.
REWIND = dt.timedelta(minutes=10)


@dataclasses.dataclass
class State:
    """What a computation was based on, stored with the snapshot (``FindingsSnapshot.marks``)."""

    last_event: int  # the last audit event of the sources when the computation started
    basis: str  # the organization tree and the rule data
    taken_at: dt.datetime  # when the computation started
    counts: tuple[int, int]  # the subtree's meetings and talks (a deletion shows as fewer)

    def encode(self) -> bytes:
        raw = [self.last_event, self.basis, self.taken_at.isoformat(), list(self.counts)]
        return zlib.compress(json.dumps(raw).encode())

    @classmethod
    def decode(cls, data) -> State | None:
        if not data:
            return None
        last_event, basis, taken_at, counts = json.loads(zlib.decompress(bytes(data)))
        return cls(last_event, basis, dt.datetime.fromisoformat(taken_at), tuple(counts))


@dataclasses.dataclass
class Tree:
    """The live party organizations of the subtree: each branch with its groups is a piece; the
    organizations above a branch (committees, general branches) are the upper part."""

    piece_of: dict[str, str]  # org path → its branch's path (branches and their groups)
    members: dict[str, list[str]]  # branch path → the org paths of the piece
    upper: list[str]  # the org paths above any branch
    basis: str

    def locate(self, path: str) -> str | None:
        """The piece ``path`` (a record's org path) belongs to, "" for the upper part, None when
        no live organization of the subtree has that path."""
        if path in self.piece_of:
            return self.piece_of[path]
        return "" if path in set(self.upper) else None


@dataclasses.dataclass
class Outcome:
    findings: list[compliance.Finding]
    state: State | None  # None: nothing to build on next time (an administrative unit)
    full: bool
    changed: int  # pieces recomputed (all of them on the full path)
    pieces: int
    why: str = ""


def tree(root: Org) -> Tree:
    rows = list(
        Org.objects.filter(subtree_q("path", root.path), kind__in=PARTY_KINDS)
        .order_by("path")
        .values_list("pk", "path", "kind", "name", "host_id", "archived_at")
    )
    live = [r for r in rows if r[5] is None]
    branches = {r[1] for r in live if r[2] == "branch"}
    piece_of: dict[str, str] = {}
    members: dict[str, list[str]] = defaultdict(list)
    for _, path, *_ in live:
        owner = next((p for p in _prefixes(path) if p in branches), None)
        if owner is not None:
            piece_of[path] = owner
            members[owner].append(path)
    upper = [r[1] for r in live if r[1] not in piece_of]
    rules = RuleParameter.objects.aggregate(n=Count("pk"), last=Max("changed_at"))
    digest = hashlib.sha1(repr((rows, rules["n"], rules["last"])).encode()).hexdigest()[:16]
    return Tree(piece_of, dict(members), upper, digest)


def _prefixes(path: str):
    """``path`` and its ancestors' paths, longest first."""
    for cut in range(len(path), 0, -Org.steplen):
        yield path[:cut]


def counts(root: Org) -> tuple[int, int]:
    meetings = Meeting.objects.filter(subtree_q("org_path", root.path)).count()
    return meetings, Talk.objects.filter(subtree_q("org_path", root.path)).count()


def touched(root: Org, since: dt.datetime) -> set[str]:
    """The org paths of the subtree's meetings and talks written, voided or superseded since
    ``since`` (they may come in bulk without an audit event, like ``data_version`` allows)."""
    within = subtree_q("org_path", root.path)
    meetings = Meeting.objects.filter(
        within, Q(updated_at__gte=since) | Q(created_at__gte=since) | Q(voided_at__gte=since)
    )
    talks = Talk.objects.filter(
        within, Q(created_at__gte=since) | Q(voided_at__gte=since) | Q(superseded_at__gte=since)
    )
    paths: set[str] = set()
    for rows in (meetings, talks):
        paths.update(rows.order_by().values_list("org_path", flat=True).distinct())
    return paths


def sources_q() -> Q:
    """The audit events of the records the findings depend on (``FINDING_SOURCES`` and what the
    apps registering rules declare)."""
    sources = Q()
    for prefix in dict.fromkeys((*FINDING_SOURCES, *registry.sources())):
        sources |= Q(subject_type__startswith=prefix)
    return sources


def last_event() -> int:
    return AuditEvent.objects.filter(sources_q()).aggregate(x=Max("pk"))["x"] or 0


def changed_pieces(root: Org, t: Tree, state: State) -> set[str] | str:
    """The pieces with an audit event or a meeting or talk written since ``state`` was taken,
    or the reason to recompute everything."""
    dirty: set[str] = set()
    since = state.taken_at - REWIND
    events = (
        AuditEvent.objects.filter(sources_q())
        .filter(Q(pk__gt=state.last_event) | Q(created_at__gte=since))
        .order_by()
        .values_list("subject_type", "scope_path", "before", "after")
    )
    for subject_type, scope_path, before, after in events.iterator(chunk_size=2000):
        if subject_type.startswith(FULL_SUBJECTS):
            return f"{subject_type} 变更"
        paths = {scope_path}
        for side in (before, after):
            if isinstance(side, dict) and isinstance(side.get("org_path"), str):
                paths.add(side["org_path"])
        for path in paths:
            if not path:
                return f"{subject_type} 无范围"
            if not path.startswith(root.path):
                continue  # another subtree: only the whole-subtree checks read it, run every time
            piece = t.locate(path)
            if piece is None:
                return f"{subject_type} 不在现有组织中"
            if piece:
                dirty.add(piece)
    for path in touched(root, since):
        if piece := t.piece_of.get(path):
            dirty.add(piece)
    return dirty


def whole_codes() -> set[str]:
    rules = registry.catalogue().items()
    return {code for code, r in rules if r.check is not None and registry.is_whole_subtree(r.check)}


def findings(
    root: Org, start: dt.date, end: dt.date, ref: dt.date, previous: list[compliance.Finding] | None, state
) -> Outcome:
    """``root``'s findings for [start, end] as of ``ref``, recomputing only the changed pieces
    when ``previous`` (the stored findings) and ``state`` (what they were based on) allow it."""
    taken_at = clock.now()
    t = tree(root)
    current = State(last_event(), t.basis, taken_at, counts(root))
    if previous is None or state is None:
        changed: set[str] | str = "无可复用的结果"
    elif state.basis != t.basis:
        changed = "组织树或规则数据变更"
    elif any(now < before for now, before in zip(current.counts, state.counts, strict=True)):
        changed = "会议或谈话记录被删除"
    else:
        changed = changed_pieces(root, t, state)
    if isinstance(changed, str):
        found = compliance.check(root, start, end, today=ref)
        return Outcome(found, current, True, len(t.members), len(t.members), changed)
    assert previous is not None
    dirty = changed
    found = partial(root, start, end, ref, t, previous, dirty)
    return Outcome(found, current, False, len(dirty), len(t.members))


def partial(
    root: Org,
    start: dt.date,
    end: dt.date,
    ref: dt.date,
    t: Tree,
    previous: list[compliance.Finding],
    dirty: set[str],
) -> list[compliance.Finding]:
    """``previous`` with the pieces ``dirty``, the upper part and the whole-subtree checks'
    findings computed again (see the module)."""
    whole = whole_codes()
    kept = [
        f
        for f in previous
        if f.rule not in whole and (piece := t.piece_of.get(f.org_path)) is not None and piece not in dirty
    ]
    paths = list(t.upper) + [p for piece in sorted(dirty) for p in t.members[piece]]
    local = [c for c in registry.checks() if not registry.is_whole_subtree(c)]
    others = [c for c in registry.checks() if registry.is_whole_subtree(c)]
    found = kept
    found += compliance.run_checks(root, start, end, ref, local, paths=paths)
    found += compliance.run_checks(root, start, end, ref, others)
    found.sort(key=sort_key)
    return found
