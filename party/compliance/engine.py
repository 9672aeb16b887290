"""The compliance engine (合规检查): for any party organization (or administrative unit) and
period, the findings — what is missing, late or only on paper — each with its severity, the rule
and the rule's source, the evidence, a suggested action and a reason in plain Chinese.

``check(root, start, end)`` runs every rule in the registry (``registry.checks()``) over one
``Context``, which loads each data set the rules read for the subtree in one query (orgs, members,
posts, terms, meetings with their attendance summaries, lapse and study aggregates …), so one
organization costs as little as the whole district costs per organization (bench/party.py).
Thresholds come from ``RuleParameter`` rows as of the period's reference day (``Rules``), never
from constants. The engine knows no rule: party registers its rules from
``party/compliance/rules/``, other apps (villages) from their own modules.

Nothing here decides anything: the 6-month rule (党章 第九条) only flags a member for the branch
meeting's judgement.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable

from django.db import connection

from core import kit
from orgs.models import Org
from party.compliance import registry
from party.compliance.context import Context
from party.compliance.dates import default_window
from party.compliance.findings import Finding, sort_key

SHOWN_EVIDENCE = 12


class Engine:
    """Collects the findings the checks report for one ``Context``."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.findings: list[Finding] = []

    def add(
        self,
        rule: str,
        org: Org,
        reason: str,
        *,
        evidence=(),
        action="",
        severity=None,
        source=None,
        period="",
        meetings=(),
    ):
        """Report a finding of the registered rule ``rule`` on ``org``: the severity defaults to
        the rule's, the source to the source text of the rule parameter the rule cites."""
        spec = registry.get(rule)
        evidence = list(evidence)
        if len(evidence) > SHOWN_EVIDENCE:
            evidence = evidence[:SHOWN_EVIDENCE] + [f"……共 {len(evidence)} 条"]
        self.findings.append(
            Finding(
                severity=severity or spec.severity,
                rule=rule,
                org_id=org.pk,
                org_name=org.name,
                org_path=org.path,
                reason=reason,
                evidence=evidence,
                action=action,
                source=source if source is not None else self.ctx.source(spec.cites, org),
                period=period,
                meeting_ids=list(meetings),
            )
        )

    def run(self, checks: Iterable[Callable] | None = None, key=sort_key) -> list[Finding]:
        """Run ``checks`` (default: every registered check) and return the findings sorted by
        severity, organization, rule and period."""
        for step in registry.checks() if checks is None else checks:
            step(self)
        self.findings.sort(key=key)
        return self.findings


def check(root: Org, start: dt.date | None = None, end: dt.date | None = None, today: dt.date | None = None):
    """The findings for ``root``'s subtree (a party organization, or the party organizations built
    in an administrative unit) for the period [start, end] (default: the last twelve months).
    State rules (secretary, terms, member counts, lapses) are evaluated as of min(end, today)."""
    today = today or kit.today()
    if start is None or end is None:
        start, end = default_window(today)
    ref = min(end, today)
    with _batch_planner(root):
        return Engine(Context(root, start, end, ref)).run()


def run_checks(
    root: Org,
    start: dt.date,
    end: dt.date,
    ref: dt.date,
    checks: Iterable[Callable],
    paths: list[str] | None = None,
) -> list[Finding]:
    """Run ``checks`` over ``root``'s subtree, or over the records of exactly the organizations
    ``paths`` of it (``party.snapshots.incremental``), as of ``ref``."""
    with _batch_planner(root):
        return Engine(Context(root, start, end, ref, paths=paths)).run(checks)


# The study-hours aggregate over a district's year of attendance spills to disk at 4 MB.
BATCH_SETTINGS = {"max_parallel_workers_per_gather": "2", "work_mem": "64MB"}


@contextlib.contextmanager
def _batch_planner(root: Org):
    """A district- or street-wide recomputation is a batch job: on PostgreSQL let its large
    aggregates use parallel workers (the web's connections run with none, luoshi/settings.py) and
    more sort/hash memory, and put the settings back afterwards."""
    if connection.vendor != "postgresql" or root.depth > 2:
        yield
        return
    with connection.cursor() as cursor:
        previous = {}
        for name, value in BATCH_SETTINGS.items():
            cursor.execute(f"SHOW {name}")
            previous[name] = cursor.fetchone()[0]
            cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in previous.items():
                cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
