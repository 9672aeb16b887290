"""The demo district shows every registered compliance rule (party's and villages') at least once
in the default window of ``luoshi party findings 岳麓区`` — 应建未建 first among them (the speech's
first complaint) — and the housebound member's 行动不便 period keeps him out of the 6-month rule.

Called by ``tests/test_demo_dates.py`` on its first moment, on the demo it has just built (one build
serves both checks); the findings are computed once and checked twice, by the engine and through
the command line."""

import io

from django.core.management import call_command

from core import kit
from orgs.models import Org
from party import compliance
from party.compliance import registry
from party.membership.models import MemberStatusPeriod

# Rules no realistic demo can show, with the reason. Keep it empty when possible.
CANNOT_SHOW: dict[str, str] = {}


def check_every_rule_shows() -> None:
    """Assert on the built demo district (see the module's docstring)."""
    district = Org.objects.get(kind="district", short_name="岳麓区", is_demo=True)
    found = compliance.check(district)
    codes = {f.rule for f in found}
    missing = sorted(set(registry.catalogue()) - codes - set(CANNOT_SHOW))
    assert missing == [], f"rules without a finding in the demo: {missing}"
    assert not set(CANNOT_SHOW) - set(registry.catalogue())  # no stale allow-list entry

    # 应建未建: a 两新 enterprise and a unit in a community (养老服务中心), each on the street's committee.
    establish = [f for f in found if f.rule == "org.should_establish"]
    units = Org.objects.filter(kind__in=("enterprise", "social_org"))
    flagged = [u for u in units if any(f.reason.startswith(f"{u.name} ") for f in establish)]
    assert {u.kind for u in flagged} == {"enterprise", "social_org"}
    assert any(Org.objects.get_parent(u).kind == "community" for u in flagged if u.kind == "social_org")

    # The housebound member: a 行动不便 period, care visits, absent since — and no lapse finding.
    period = MemberStatusPeriod.objects.get(is_demo=True, kind="infirm")
    name = period.member.person.name
    assert period.member.care_visits.count() >= 2
    assert period.member.attendance.filter(held_on__gte=period.start_on, status="absent").exists()
    lapse = [f for f in found if f.rule.startswith("member.lapse") and name in f.reason + "".join(f.evidence)]
    assert lapse == []

    out = io.StringIO()
    call_command("party", "findings", "岳麓区", stdout=out)
    lines = out.getvalue().splitlines()
    establish = [line for line in lines if line.split("\t")[1] == "org.should_establish"]
    assert len(establish) == 2 and all("尚未建立党组织" in line for line in establish)
    listed = {line.split("\t")[1] for line in lines}
    assert listed == codes


def check_incremental_matches() -> None:
    """On the built demo district (every rule has a finding, ``check_every_rule_shows``): taking
    a full recomputation's findings as the stored ones, recomputing any set of branches (and the
    committees, and the whole-subtree checks) gives back exactly the full findings — each local
    check finds on a branch only what the branch's own records say (party.snapshots.incremental)."""
    import dataclasses
    import difflib
    import json
    import random

    from party.compliance.dates import default_window
    from party.snapshots import incremental

    def everything(found):
        return sorted(json.dumps(dataclasses.astuple(f), ensure_ascii=False, default=str) for f in found)

    root = Org.objects.get(depth=1, kind="party_committee", is_demo=True)
    start, end = default_window(kit.today())
    ref = min(end, kit.today())
    full = compliance.check(root, start, end, today=ref)
    tree = incremental.tree(root)
    pieces = sorted(tree.members)
    assert len(pieces) > 100 and len(tree.upper) > 10
    rng = random.Random(22)
    for dirty in (set(), set(rng.sample(pieces, len(pieces) // 10)), set(pieces)):
        found = incremental.partial(root, start, end, ref, tree, full, dirty)
        found, expected = everything(found), everything(full)
        differ = "\n".join(difflib.unified_diff(expected, found, lineterm="", n=0))
        assert found == expected, f"{len(dirty)} branches recomputed:\n{differ[:3000]}"
