"""Scores (考评得分): a score for every party organization of a subtree from its findings."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from orgs.models import PARTY_KINDS, Org
from orgs.scoping import subtree_q
from party.compliance.findings import SEVERITY_LABELS, Finding
from party.rules import Rules


def weight(severity: str, rules: Rules, org=None) -> Decimal:
    """The points a finding of ``severity`` takes off a score (rule data)."""
    return rules.get(f"score.weight.{severity}", org)


@dataclass
class Score:
    org: Org
    score: Decimal
    findings: list[Finding]
    counts: dict[str, int]
    branches: int


def _own_findings(root: Org, findings: list[Finding]) -> tuple[dict[int, Org], dict[int, list[Finding]]]:
    """The organizations of the subtree (party groups left out) and the findings that are each
    one's own: a party group's finding belongs to its branch."""
    orgs, groups = {}, set()
    for o in Org.objects.filter(subtree_q("path", root.path), kind__in=PARTY_KINDS, archived_at__isnull=True):
        if o.kind == "group":
            groups.add(o.pk)
        else:
            orgs[o.pk] = o
    own: dict[int, list[Finding]] = defaultdict(list)
    by_path = {o.path: o for o in orgs.values()}
    for f in findings:
        org_id = f.org_id
        if org_id in groups:
            parent = by_path.get(f.org_path[: -Org.steplen])
            if parent is None:
                continue
            org_id = parent.pk
        elif org_id not in orgs:  # outside the subtree, or archived since
            continue
        own[org_id].append(f)
    return orgs, own


def scores(root: Org, findings: list[Finding], rules: Rules) -> dict[int, Score]:
    """A score for every party organization under ``root``: a branch starts at 100 and loses the
    configured weight per finding (severity weights are rule data); a parent's score is the mean of
    its branches' scores less its own findings. Each branch's score and each organization's finding
    counts are added to its ancestors in the subtree (a path has a few levels), so a district of
    10,000 branches costs one pass, not one scan of every organization per organization."""
    orgs, own = _own_findings(root, findings)
    by_path = {o.path: o for o in orgs.values()}
    weights = {severity: weight(severity, rules) for severity in SEVERITY_LABELS}

    def deduct(org_id):
        return sum((weights[f.severity] for f in own.get(org_id, [])), Decimal(0))

    def up(org):
        """``org`` and its ancestors within the subtree."""
        steps = range(Org.steplen, len(org.path) + 1, Org.steplen)
        return [by_path[org.path[:cut]].pk for cut in steps if org.path[:cut] in by_path]

    branch_scores: dict[int, Decimal] = {}
    total: dict[int, Decimal] = defaultdict(Decimal)  # sum of the branch scores below
    inside: Counter = Counter()  # branches below (itself included)
    counts: dict[int, Counter] = defaultdict(Counter)  # findings below, by severity
    for org in orgs.values():
        if org.kind == "branch":
            value = branch_scores[org.pk] = max(Decimal(0), Decimal(100) - deduct(org.pk))
            for pk in up(org):
                total[pk] += value
                inside[pk] += 1
        if org.pk in own:
            severities = Counter(f.severity for f in own[org.pk])
            for pk in up(org):
                counts[pk].update(severities)
    result: dict[int, Score] = {}
    for org in orgs.values():
        if org.kind == "branch":
            value = branch_scores[org.pk]
        else:
            mean = (total[org.pk] / inside[org.pk]) if inside[org.pk] else Decimal(100)
            value = max(Decimal(0), mean - deduct(org.pk))
        result[org.pk] = Score(
            org,
            value.quantize(Decimal("0.1")),
            own.get(org.pk, []),
            {s: counts[org.pk][s] for s in SEVERITY_LABELS},
            inside[org.pk],
        )
    return result


def root_score(root: Org, findings: list[Finding], rules: Rules) -> Decimal | None:
    """``scores(root, findings, rules)[root.pk].score`` without the other organizations' scores
    (a stored snapshot keeps only its root's): the organizations are read as (pk, path, kind)
    rather than as models. None when ``root`` is archived or not a party organization."""
    rows = list(
        Org.objects.filter(
            subtree_q("path", root.path), kind__in=PARTY_KINDS, archived_at__isnull=True
        ).values_list("pk", "path", "kind")
    )
    kind_of = {pk: kind for pk, _, kind in rows}
    if root.pk not in kind_of or kind_of[root.pk] == "group":
        return None
    pk_of = {path: pk for pk, path, _ in rows}
    weights = {severity: weight(severity, rules) for severity in SEVERITY_LABELS}
    deducted: dict[int, Decimal] = defaultdict(Decimal)
    for f in findings:
        org_id = f.org_id
        if kind_of.get(org_id) == "group":
            parent = pk_of.get(f.org_path[: -Org.steplen])
            if parent is None or kind_of[parent] == "group":
                continue
            org_id = parent
        elif org_id not in kind_of:
            continue
        deducted[org_id] += weights[f.severity]

    def value(pk: int) -> Decimal:
        return max(Decimal(0), Decimal(100) - deducted.get(pk, Decimal(0)))

    if kind_of[root.pk] == "branch":
        own = value(root.pk)
    else:
        branches = [value(pk) for pk, kind in kind_of.items() if kind == "branch"]
        mean = sum(branches, Decimal(0)) / len(branches) if branches else Decimal(100)
        own = max(Decimal(0), mean - deducted.get(root.pk, Decimal(0)))
    return own.quantize(Decimal("0.1"))
