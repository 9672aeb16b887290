"""Stored findings of large subtrees (研判快照, ``FindingsSnapshot``).

Over a district of thousands of branches a full ``compliance.check`` takes seconds (8.8 s for
10,000 branches, bench/README.md), and the dashboard asks for six periods (the quarter shown and
the trend). A subtree with at least ``LUOSHI_PARTY_SNAPSHOT_BRANCHES`` branches (200 by default)
therefore reads its findings from a snapshot:

- fresh (computed from the current data version): served as is;
- stale (records changed since): recomputed on the spot if that took at most ``INLINE_SECONDS``
  last time (the demo district: 0.6 s), else served with its time while a refresh is queued for the
  worker (at most one per snapshot every ``REFRESH_AFTER``);
- none yet: computed now and stored, or (``wait=False``: the dashboard, the trend) queued for the
  worker while the page says so.

A recomputation builds on the stored findings of the same period: only the branches whose records
changed since are checked again (``incremental``; the full path when the organization tree, the rule
data or nothing usable is stored).

``refresh_due`` (a periodic task) keeps the dashboard's quarters of every subtree viewed in the last
``KEEP_DAYS`` days fresh, so the first visitor of the day does not wait, and drops snapshots nobody
asked for since; it also computes the quarter the dashboard opens on for the party committee at
the top of each tree (the district committee) before anyone opens it, and keeps that row. Each
snapshot stores the dashboard's figures (``Summary``) besides the findings. Smaller subtrees are
computed on each request (tens of milliseconds).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
import time
import zlib

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q
from django_tasks import task

from audit.models import AuditEvent
from core import clock, kit
from core.jobs import retry
from orgs.models import Org
from orgs.scoping import subtree_q
from party import compliance
from party.life.models import Meeting
from party.rules import Rules
from party.rules.models import RuleParameter
from party.snapshots import incremental
from party.snapshots.models import FindingsSnapshot
from party.talks.models import Talk

log = logging.getLogger(__name__)
REFRESH_AFTER = dt.timedelta(minutes=10)  # a refresh queued and lost is queued again after this
TOUCH_AFTER = dt.timedelta(hours=1)  # "last viewed" is written at most this often
KEEP_DAYS = 7
INLINE_SECONDS = 1.0  # a stale snapshot that took no longer than this is recomputed on the spot


def data_version() -> str:
    """Changes whenever a record the findings depend on does: every service writes an audit event
    (meetings, talks, appraisals, dues, transfers, development, terms …); meetings and talks may
    also come in bulk without one (the demo); rule data is edited in the admin."""
    last_event = AuditEvent.objects.filter(incremental.sources_q()).aggregate(x=Max("pk"))["x"]
    agg = Meeting.objects.aggregate(n=Count("pk"), last=Max("updated_at"), voided=Max("voided_at"))
    talks = Talk.objects.aggregate(n=Count("pk"), last=Max("created_at"), voided=Max("voided_at"))
    rules = RuleParameter.objects.aggregate(n=Count("pk"), last=Max("changed_at"))
    raw = (
        f"{last_event}-{agg['n']}-{agg['last']}-{agg['voided']}-{talks['n']}-{talks['last']}-{talks['voided']}"
        f"-{rules['n']}-{rules['last']}"
    )
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def wanted(root: Org) -> bool:
    """Whether ``root``'s findings are read from snapshots: a party organization above a branch
    with at least ``LUOSHI_PARTY_SNAPSHOT_BRANCHES`` live branches in its subtree."""
    if not root.is_party or root.kind in ("branch", "group"):
        return False
    threshold = settings.LUOSHI_PARTY_SNAPSHOT_BRANCHES
    branches = Org.objects.filter(subtree_q("path", root.path), kind="branch", archived_at__isnull=True)
    return threshold > 0 and branches[:threshold].count() >= threshold


FIELDS = tuple(f.name for f in dataclasses.fields(compliance.Finding))


def encode(findings: list[compliance.Finding]) -> bytes:
    # Not ``dataclasses.astuple``: it deep-copies every evidence list (8 of the 10 s it took to
    # encode a district's 65,000 findings, bench/README.md).
    rows = [[getattr(f, name) for name in FIELDS] for f in findings]
    # Level 1: a district's 32 MB of JSON in 0.8 s instead of 1.8 s, 2.8 MB instead of 2.2 MB.
    return zlib.compress(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode(), 1)


def decode(data) -> list[compliance.Finding]:
    return [compliance.Finding(*row) for row in json.loads(zlib.decompress(bytes(data)))]


SEVERITIES = tuple(compliance.SEVERITY_LABELS)


@dataclasses.dataclass
class Summary:
    """What the dashboard shows of a snapshot, stored with it (``FindingsSnapshot.summary``) so that
    a visit reads a few hundred kilobytes instead of decoding every finding (65,000 for 10,000
    branches) and scoring every organization again:

    - ``rows``: one per organization scored (``compliance.scores``), ``[pk, is_branch, score,
      branches, high, medium, low]`` with the score as a string, ordered by (score, path) — the
      order of the dashboard's weakest branches;
    - ``counts``: the findings of the whole subtree by severity;
    - ``own``: the root's own findings (本级的问题)."""

    rows: list[list]
    counts: dict[str, int]
    own: list[compliance.Finding]

    @classmethod
    def of(cls, root: Org, findings: list[compliance.Finding], table: dict) -> Summary:
        """From the findings and their scores (``compliance.scores(root, findings, …)``)."""
        ordered = sorted(table.values(), key=lambda s: (s.score, s.org.path))
        rows = [
            [
                s.org.pk,
                int(s.org.kind == "branch"),
                str(s.score),
                s.branches,
                *(s.counts[k] for k in SEVERITIES),
            ]
            for s in ordered
        ]
        counts = {k: 0 for k in SEVERITIES}
        for f in findings:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        return cls(rows, counts, [f for f in findings if f.org_id == root.pk])

    def encode(self) -> bytes:
        own = [[getattr(f, name) for name in FIELDS] for f in self.own]
        raw = {"rows": self.rows, "counts": self.counts, "own": own}
        return zlib.compress(json.dumps(raw, ensure_ascii=False, separators=(",", ":")).encode(), 1)

    @classmethod
    def decode(cls, data) -> Summary:
        raw = json.loads(zlib.decompress(bytes(data)))
        return cls(raw["rows"], raw["counts"], [compliance.Finding(*row) for row in raw["own"]])


@dataclasses.dataclass
class Result:
    snapshot: FindingsSnapshot
    stale: bool  # records changed since it was computed: a refresh is queued

    @functools.cached_property
    def findings(self) -> list[compliance.Finding]:
        return decode(self.snapshot.data)

    @functools.cached_property
    def summary(self) -> Summary | None:
        """The dashboard's figures (None on a row stored before summaries existed)."""
        data = self.snapshot.summary
        return Summary.decode(data) if data is not None else None


def get(
    root: Org, start: dt.date, end: dt.date, today: dt.date, wait: bool = True, version: str | None = None
) -> Result | None:
    """The snapshot of ``root``'s findings for [start, end] as of ``today`` (see the module). With
    none yet: computed now, or with ``wait=False`` queued for the worker (None). ``version``: the
    current data version, when the caller has it."""
    ref = min(end, today)
    version = version or data_version()
    # The large fields are read when asked for (``Result``): the trend wants only the score.
    rows = FindingsSnapshot.objects.defer("data", "marks", "summary")
    snapshot = rows.filter(org=root, start=start, end=end, ref=ref).first()
    now = clock.now()
    if snapshot is None:
        if not wait:
            _queue(root.pk, start, end, ref)
            return None
        return Result(compute(root, start, end, ref, version=version), stale=False)
    if snapshot.requested_at < now - TOUCH_AFTER:
        FindingsSnapshot.objects.filter(pk=snapshot.pk).update(requested_at=now)
    if snapshot.version == version:
        return Result(snapshot, stale=False)
    if snapshot.seconds <= INLINE_SECONDS:  # cheaper to recompute than to show stale findings
        return Result(compute(root, start, end, ref, version=version), stale=False)
    request_refresh(snapshot, now)
    return Result(snapshot, stale=True)


def request_refresh(snapshot: FindingsSnapshot, now: dt.datetime) -> bool:
    """Queue one recomputation of ``snapshot`` (not again while one is pending, unless it was
    asked for more than ``REFRESH_AFTER`` ago and may have been lost)."""
    claimed = (
        FindingsSnapshot.objects.filter(pk=snapshot.pk)
        .filter(Q(refresh_requested_at__isnull=True) | Q(refresh_requested_at__lt=now - REFRESH_AFTER))
        .update(refresh_requested_at=now)
    )
    if claimed:
        _queue(snapshot.org_id, snapshot.start, snapshot.end, snapshot.ref, claimed=True)
    return bool(claimed)


@retry(retries=3, backoff=60)  # recomputing a snapshot is idempotent
@task()
def refresh_findings(org_id: int, start: str, end: str, ref: str) -> bool:
    """Recompute a stale findings snapshot (研判快照) that a page served."""
    day = dt.date.fromisoformat
    return refresh(org_id, day(start), day(end), day(ref))


def _queue(org_id: int, start: dt.date, end: dt.date, ref: dt.date, claimed: bool = False) -> None:
    """Enqueue ``refresh_findings`` after the transaction commits. A snapshot not computed yet
    has no row to claim: this process's cache keeps it from being queued on every page view."""
    if not claimed and not cache.add(f"party:snapshot-queued:{org_id}:{start}:{end}:{ref}", True, 600):
        return
    days = (start.isoformat(), end.isoformat(), ref.isoformat())
    transaction.on_commit(lambda: refresh_findings.enqueue(org_id, *days))


def compute(
    root: Org,
    start: dt.date,
    end: dt.date,
    ref: dt.date,
    version: str | None = None,
    viewed: dt.datetime | None = None,
) -> FindingsSnapshot:
    """Run the engine for [start, end] as of ``ref`` and store the result. The data version is
    read before the engine runs: a record changed meanwhile leaves the snapshot stale, not wrong.
    ``viewed``: when a page last asked for the subtree, for a new row (default now); recomputing
    does not count as a view, or the periodic task would keep every subtree alive forever."""
    version = version or data_version()
    began = time.perf_counter()
    key = {"org": root, "start": start, "end": end, "ref": ref}
    outcome = recompute(root, start, end, ref, FindingsSnapshot.objects.filter(**key).first())
    findings = outcome.findings
    table = compliance.scores(root, findings, Rules.load(end))
    score = table[root.pk].score if root.pk in table else None
    now = clock.now()
    values = {
        "version": version,
        "computed_at": now,
        "seconds": round(time.perf_counter() - began, 3),
        "count": len(findings),
        "score": score,
        "data": encode(findings),
        "marks": outcome.state.encode() if outcome.state is not None else None,
        "summary": Summary.of(root, findings, table).encode(),
        "refresh_requested_at": None,
    }
    try:
        with transaction.atomic():
            snapshot, _ = FindingsSnapshot.objects.update_or_create(
                **key, defaults=values, create_defaults={**values, "requested_at": viewed or now}
            )
    except IntegrityError:  # computed at the same time by another process: keep the later one
        FindingsSnapshot.objects.filter(**key).update(**values)
        snapshot = FindingsSnapshot.objects.get(**key)
    log.info(
        "findings snapshot %s %s–%s: %s findings in %.1f s (%s)",
        root.pk,
        start,
        end,
        len(findings),
        values["seconds"],
        f"full: {outcome.why}" if outcome.full else f"{outcome.changed} of {outcome.pieces} branches again",
    )
    return snapshot


def recompute(
    root: Org, start: dt.date, end: dt.date, ref: dt.date, previous: FindingsSnapshot | None = None
) -> incremental.Outcome:
    """The findings of ``root``'s subtree, recomputing only the branches whose records changed
    since ``previous`` (the stored snapshot of the same period) when it can tell which
    (``incremental``); an administrative unit's are always computed in full."""
    if not root.is_party:
        found = compliance.check(root, start, end, today=ref)
        return incremental.Outcome(found, None, True, 0, 0, "行政单位")
    state = incremental.State.decode(previous.marks) if previous is not None else None
    stored = decode(previous.data) if previous is not None and state is not None else None
    return incremental.findings(root, start, end, ref, stored, state)


def refresh(org_id: int, start: dt.date, end: dt.date, ref: dt.date) -> bool:
    """The worker's side of ``request_refresh``: recompute unless already fresh."""
    snapshot = FindingsSnapshot.objects.filter(org_id=org_id, start=start, end=end, ref=ref).first()
    root = Org.objects.filter(pk=org_id, archived_at__isnull=True).first()
    if root is None:
        return False
    version = data_version()
    if snapshot is not None and snapshot.version == version:
        FindingsSnapshot.objects.filter(pk=snapshot.pk).update(refresh_requested_at=None)
        return False
    compute(root, start, end, ref, version=version)
    return True


def quarters(day: dt.date, count: int = 4) -> list[tuple[dt.date, dt.date, str]]:
    """The last ``count`` complete quarters before ``day``'s quarter plus the running one, newest first."""
    start, _ = compliance.quarter_of(day)
    result = []
    for i in range(count + 1):
        first = dt.date(start.year, start.month, 1)
        month = first.month - 3 * i
        year = first.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        q_start = dt.date(year, month, 1)
        q_end = compliance.quarter_of(q_start)[1]
        result.append((q_start, q_end, compliance.quarter_label(q_start)))
    return result


def refresh_due(today: dt.date | None = None) -> dict:
    """Keep the dashboard's quarters (``selectors.quarters``) of every subtree viewed in the last
    ``KEEP_DAYS`` days fresh, and delete the snapshots nobody asked for since and those superseded
    (a running period's snapshot as of an earlier day)."""
    today = today or kit.today()
    now = clock.now()
    recent = FindingsSnapshot.objects.filter(requested_at__gte=now - dt.timedelta(days=KEEP_DAYS))
    version = data_version()
    computed = 0
    viewed = dict(recent.values("org_id").annotate(last=Max("requested_at")).values_list("org_id", "last"))
    for root in Org.objects.filter(pk__in=list(viewed), archived_at__isnull=True).order_by("path"):
        if not wanted(root):
            continue
        for start, end, _ in quarters(today):
            ref = min(end, today)
            current = FindingsSnapshot.objects.filter(
                org=root, start=start, end=end, ref=ref, version=version
            )
            if not current.exists():
                compute(root, start, end, ref, version=version, viewed=viewed[root.pk])
                computed += 1
    # The party committees at the top of a tree (the district committee): the quarter their
    # dashboard opens on is computed even if nobody has opened it yet, and kept.
    start, end, _ = quarters(today)[1]
    ref = min(end, today)
    kept = Q()
    for root in Org.objects.filter(depth=1, kind="party_committee", archived_at__isnull=True).order_by(
        "path"
    ):
        if not wanted(root):
            continue
        kept |= Q(org=root, start=start, end=end, ref=ref)
        if not FindingsSnapshot.objects.filter(org=root, start=start, end=end, ref=ref).exists():
            # Not a view: "last viewed" before the week kept, so its other quarters are not kept fresh.
            compute(
                root, start, end, ref, version=version, viewed=now - dt.timedelta(days=KEEP_DAYS, hours=1)
            )
            computed += 1
    old = FindingsSnapshot.objects.filter(requested_at__lt=now - dt.timedelta(days=KEEP_DAYS)).exclude(kept)
    superseded = FindingsSnapshot.objects.filter(ref__lt=today, end__gt=F("ref"))
    dropped = old.delete()[0] + superseded.delete()[0]
    return {"computed": computed, "dropped": dropped}
