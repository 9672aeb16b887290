"""Compliance findings of 四议两公开 (village decisions), registered with the party compliance
engine's rule registry (``party.compliance.registry``; this module is imported by
``VillagesConfig.ready()``, party imports nothing of villages): for the villages that host a party
organization of the subtree, steps recorded with deviations in the window (late or
short disclosures, the whole process too long, failed votes) and disclosures that are due and not
made (应公开未公开). Each finding is placed on the village's party organization. A fixed number of
queries per subtree."""

from __future__ import annotations

from collections import defaultdict

from party.compliance.registry import Rule, reads, rules, whole_subtree

from .models import Decision, DecisionStatus, DecisionStep

SOURCE = "四议两公开(《中国共产党农村基层组织工作条例》(2019))"


# Village decisions change the findings: their audit events make stored findings stale.
reads("villages.")


def flagged_items(decisions, ref):
    """(steps with deviations, overdue decisions) of a decision queryset — shared with the
    township list."""
    steps = (
        DecisionStep.objects.filter(decision__in=decisions, has_deviation=True, superseded_at__isnull=True)
        .select_related("decision")
        .order_by("held_on", "pk")
    )
    overdue = decisions.filter(due_on__lt=ref).exclude(status=DecisionStatus.DONE)
    return steps, overdue


@whole_subtree
@rules(
    Rule(
        "village.deviation",
        "四议两公开程序或公开不规范",
        "medium",
        data=("village.disclose_within",),
        cites="village.disclose_within",
        source=SOURCE,
    ),
    Rule(
        "village.overdue",
        "四议两公开应公开未公开",
        "high",
        data=("village.disclose_within",),
        cites="village.disclose_within",
        source=SOURCE,
    ),
)
def run(engine) -> None:
    ctx = engine.ctx
    party_of: dict[int, object] = {}
    for org in sorted(ctx.orgs.values(), key=lambda o: o.depth):
        host = getattr(org, "host", None)
        if host is not None and host.kind == "village" and host.pk not in party_of:
            party_of[host.pk] = org
    if not party_of:
        return
    decisions = Decision.objects.filter(org_id__in=list(party_of))
    steps, overdue = flagged_items(decisions, ctx.ref)
    by_village: dict[int, list] = defaultdict(list)
    for step in steps.filter(held_on__gte=ctx.start, held_on__lte=ctx.end):
        by_village[step.org_id].append(step)
    for village_id, rows in by_village.items():
        evidence, sources = [], []
        for s in rows:
            for c in s.checks:
                if c["result"] == "deviation":
                    evidence.append(
                        f"“{s.decision.title}” {s.get_kind_display()}({s.held_on}):{c['message']}"
                    )
                    sources.append(c["source"])
        engine.add(
            "village.deviation",
            party_of[village_id],
            f"{len({s.decision_id for s in rows})} 个村级重大事项的 {len(rows)} 个步骤未按四议两公开要求办理",
            evidence=evidence,
            action="核实原因,补正公开,今后按规定程序和时限办理",
            source=";".join(dict.fromkeys(sources)) or SOURCE,
        )
    late: dict[int, list] = defaultdict(list)
    for d in overdue.order_by("due_on", "pk"):
        late[d.org_id].append(d)
    for village_id, rows in late.items():
        engine.add(
            "village.overdue",
            party_of[village_id],
            f"{len(rows)} 个村级重大事项应公开未公开(已超过期限)",
            evidence=[f"“{d.title}”:{d.due_label},期限 {d.due_on}" for d in rows],
            action="立即在村务公开栏等渠道公开,并向乡镇(街道)说明",
        )
