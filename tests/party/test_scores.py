"""Scores (考评得分) from findings: a branch starts at 100 and loses the severity's weight per
finding (rule data), a party group's findings count for its branch, a parent scores the mean of its
branches less its own findings, never below 0; and the one-pass computation agrees with the
definition on a random tree."""

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import pytest

from orgs.models import Org
from party import compliance
from party.models import RuleParameter
from party.rules import Rules

from ..factories import make_org

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 9, 30)
WEIGHTS = {"high": Decimal(10), "medium": Decimal(4), "low": Decimal(1)}  # the national defaults


def finding(org, severity, rule="meeting.missing"):
    return compliance.Finding(severity, rule, org.pk, org.name, org.path, "原因")


def test_branch_group_and_parent_scores(world, seeded):
    w1, b1 = world["w1"], world["b1"]
    b2 = make_org(w1, "branch", "中共湖西社区支部委员会")
    group = make_org(b1, "group", "第一党小组")
    found = [
        finding(b1, "high"),
        finding(b1, "low"),
        finding(group, "medium"),  # counts for b1
        finding(b2, "medium"),
        finding(w1, "low"),  # the 党工委's own
    ]
    scores = compliance.scores(world["party"], found, Rules.load(DAY))
    assert scores[b1.pk].score == Decimal("85.0")  # 100 - 10 - 1 - 4
    assert scores[b2.pk].score == Decimal("96.0")
    assert scores[w1.pk].score == Decimal("89.5")  # mean(85, 96) - 1
    assert scores[w1.pk].branches == 2 and scores[b1.pk].branches == 1
    assert scores[w1.pk].counts == {"high": 1, "medium": 2, "low": 2}
    assert [f.severity for f in scores[b1.pk].findings] == ["high", "low", "medium"]
    assert group.pk not in scores  # groups are scored within their branch
    # the district committee: mean of every branch (b3 has no findings: 100) less nothing
    assert scores[world["party"].pk].score == (Decimal(85 + 96 + 100) / 3).quantize(Decimal("0.1"))
    assert scores[world["party"].pk].counts == {"high": 1, "medium": 2, "low": 2}


def test_weights_are_rule_data_and_scores_stop_at_zero(world, seeded):
    b1 = world["b1"]
    for row in RuleParameter.objects.filter(code="score.weight.high"):  # as the admin edits it (save)
        row.value = "60"
        row.save()
    scores = compliance.scores(world["w1"], [finding(b1, "high"), finding(b1, "high")], Rules.load(DAY))
    assert scores[b1.pk].score == Decimal("0.0")
    assert scores[world["w1"].pk].score == Decimal("0.0")  # mean(0) - nothing


def reference(root, findings):
    """The definition, organization by organization (the quadratic computation this replaced)."""
    orgs = {
        o.pk: o
        for o in Org.objects.filter(path__startswith=root.path, archived_at__isnull=True)
        if o.is_party and o.kind != "group"
    }
    by_path = {o.path: o for o in orgs.values()}
    own = defaultdict(list)
    for f in findings:
        org_id = f.org_id if f.org_id in orgs else by_path[f.org_path[: -Org.steplen]].pk
        own[org_id].append(f)

    def minus(pk):
        return sum((WEIGHTS[f.severity] for f in own[pk]), Decimal(0))

    branch = {pk: max(Decimal(0), 100 - minus(pk)) for pk, o in orgs.items() if o.kind == "branch"}
    result = {}
    for pk, org in orgs.items():
        below = [p for p, o in orgs.items() if o.path.startswith(org.path)]
        inside = [p for p in below if p in branch]
        if org.kind == "branch":
            value = branch[pk]
        else:
            mean = sum(branch[p] for p in inside) / len(inside) if inside else Decimal(100)
            value = max(Decimal(0), mean - minus(pk))
        counts = {s: sum(1 for p in below for f in own[p] if f.severity == s) for s in WEIGHTS}
        result[pk] = (value.quantize(Decimal("0.1")), counts, len(inside))
    return result


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_pass_agrees_with_the_definition_on_a_random_tree(world, seeded, seed):
    rng = random.Random(seed)
    root = world["party"]
    parents = [root, world["w1"], world["w2"]]
    for i in range(4):
        parents.append(make_org(rng.choice(parents), "party_committee", f"社区党委{i}"))
    branches = [world["b1"], world["b3"]]
    for i in range(25):
        branches.append(make_org(rng.choice(parents), "branch", f"支部{i}"))
    groups = [make_org(rng.choice(branches), "group", f"党小组{i}") for i in range(8)]
    archived = make_org(
        rng.choice(parents), "branch", "已撤销支部", archived_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    everyone = parents + branches + groups
    found = [finding(rng.choice(everyone), rng.choice(list(WEIGHTS))) for _ in range(300)]
    found.append(finding(archived, "high"))  # an archived organization's finding is not scored
    found.append(finding(world["other_party"], "high"))  # outside the subtree: ignored
    scored = [f for f in found if f.org_id not in (archived.pk, world["other_party"].pk)]
    expected = reference(root, scored)
    scores = compliance.scores(root, found, Rules.load(DAY))
    assert {pk: (s.score, s.counts, s.branches) for pk, s in scores.items()} == expected
    for subtree in (world["w1"], parents[-1]):  # any root, not only the district's
        inner = reference(subtree, [f for f in scored if f.org_path.startswith(subtree.path)])
        got = compliance.scores(subtree, found, Rules.load(DAY))
        assert {pk: (s.score, s.counts, s.branches) for pk, s in got.items()} == inner
    # a stored snapshot's root score alone (party.snapshots): the same as the root's in scores()
    for subtree in (root, world["w1"], parents[-1], branches[-1]):
        inner = reference(subtree, [f for f in scored if f.org_path.startswith(subtree.path)])
        assert compliance.root_score(subtree, found, Rules.load(DAY)) == inner[subtree.pk][0]
    assert compliance.root_score(groups[0], found, Rules.load(DAY)) is None
