"""Member development rules (发展党员): steps recorded with deviations, overdue steps, admissions
over the annual quota, admissions clustered in a short window (突击发展) and structure targets of a
finished year that were missed. A fixed number of queries per subtree. ``check`` runs only these
rules (the development overview)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from party.compliance.context import Context
from party.compliance.engine import Engine
from party.compliance.findings import SEVERITY_ORDER
from party.compliance.registry import Rule, rule, rules, whole_subtree
from party.development.models import Applicant, DevelopmentPlan, DevelopmentStep

DEV_RULES = "《中国共产党发展党员工作细则》(2014)"


def _deviation_evidence(steps) -> tuple[list[str], list[str]]:
    evidence, sources = [], []
    for s in steps:
        for c in s.checks:
            if c["result"] == "deviation":
                flag = "" if c.get("confirmed", True) else "(未经确认版本)"
                evidence.append(f"{s.applicant.person.name} 第{s.number}步({s.done_on}):{c['message']}")
                sources.append(f"{c['source']}{flag}")  # the version flag goes with the source (staff only)
    return evidence, sources


@rule("dev.deviation", "发展党员步骤未按规定办理", severity="medium", source=DEV_RULES)
def deviations(engine) -> None:
    """Deviations (偏差) of steps in the window, per branch."""
    ctx = engine.ctx
    found: dict[int, list] = defaultdict(list)
    for step in (
        DevelopmentStep.objects.filter(
            ctx.scope_q(),
            has_deviation=True,
            superseded_at__isnull=True,
            done_on__gte=ctx.start,
            done_on__lte=ctx.end,
        )
        .select_related("applicant__person")
        .order_by("done_on", "pk")
    ):
        found[step.org_id].append(step)
    for org_id, steps in found.items():
        org = ctx.orgs.get(org_id)
        if org is None:
            continue
        evidence, sources = _deviation_evidence(steps)
        engine.add(
            "dev.deviation",
            org,
            f"{len({s.applicant_id for s in steps})} 名发展对象的 {len(steps)} 个步骤未按规定时限或要求办理",
            evidence=evidence,
            action="核实原因并在发展党员纪实中说明,今后按规定时限办理",
            source=";".join(dict.fromkeys(sources)),
        )


@rule(
    "dev.overdue",
    "发展党员步骤超期",
    severity="medium",
    source=f"{DEV_RULES} 第七条、第四章、第三十二至三十四条",
)
def overdue(engine) -> None:
    """Overdue next steps (a query over the stored deadline column)."""
    ctx = engine.ctx
    found: dict[int, list] = defaultdict(list)
    for a in (
        Applicant.objects.filter(ctx.scope_q()).overdue(ctx.ref).select_related("person").order_by("due_on")
    ):
        found[a.org_id].append(a)
    for org_id, applicants in found.items():
        org = ctx.orgs.get(org_id)
        if org is None:
            continue
        engine.add(
            "dev.overdue",
            org,
            f"{len(applicants)} 名发展对象的下一步已超过期限",
            evidence=[f"{a.person.name}:{a.due_label},期限 {a.due_on}" for a in applicants],
            action="尽快办理或说明原因",
            source="《中国共产党发展党员工作细则》(2014) 第七条、第四章、第三十二至三十四条",
        )


def _rush(mine: list[dict], rush_days: int) -> list[dict]:
    """The most admissions within ``rush_days`` days of one another."""
    best: list = []
    for i, first in enumerate(mine):
        window = [a for a in mine[i:] if (a["done_on"] - first["done_on"]).days < rush_days]
        if len(window) > len(best):
            best = window
    return best


def _structure_short(plan, mine: list[dict]) -> list[str]:
    """The structure targets of ``plan`` its admissions missed."""
    women = sum(1 for a in mine if a["applicant__person__gender"] == "F")
    young = sum(
        1
        for a in mine
        if a["applicant__person__birth_date"]
        and (a["done_on"].year - a["applicant__person__birth_date"].year) <= 35
    )
    front = sum(1 for a in mine if a["applicant__frontline"])
    return [
        f"{label} {have} 名,计划不少于 {want} 名"
        for label, have, want in (
            ("女性", women, plan.women_min),
            ("35岁及以下", young, plan.young_min),
            ("生产工作一线", front, plan.frontline_min),
        )
        if have < want
    ]


def _plan(engine, plan, org, mine: list[dict]) -> None:
    ctx = engine.ctx
    rush_days = ctx.param("dev.rush_days")
    if len(mine) > plan.quota:
        engine.add(
            "dev.quota_exceeded",
            org,
            f"{plan.year}年已接收预备党员 {len(mine)} 名,超过年度计划 {plan.quota} 名",
            evidence=[f"{a['done_on']} {a['applicant__person__name']}" for a in mine],
            action="暂停超计划发展,确需调整的报上级组织部门调整计划",
            period=f"{plan.year}年度",
        )
    best = _rush(mine, rush_days)
    if (
        best
        and len(best) >= ctx.param("dev.rush_min")
        and len(best) >= float(ctx.param("dev.rush_share")) * max(plan.quota, 1)
    ):
        engine.add(
            "dev.rush",
            org,
            f"{best[0]['done_on']} 起 {rush_days} 天内集中接收 {len(best)} 名预备党员,"
            f"占{plan.year}年计划 {plan.quota} 名的 {len(best) / max(plan.quota, 1):.0%}",
            evidence=[f"{a['done_on']} {a['applicant__person__name']}" for a in best],
            action="核查是否存在突击发展,发展工作应均衡有序",
            period=f"{plan.year}年度",
        )
    if ctx.ref >= dt.date(plan.year, 12, 31):
        short = _structure_short(plan, mine)
        if short:
            engine.add(
                "dev.structure",
                org,
                f"{plan.year}年发展党员结构未达计划:" + ";".join(short),
                action="优化发展党员结构",
                period=f"{plan.year}年度",
            )


@whole_subtree
@rules(
    Rule(
        "dev.quota_exceeded",
        "发展党员超过年度计划",
        "high",
        cites="dev.rush_days",
        source=f"{DEV_RULES} 第三条(年度计划)",
    ),
    Rule(
        "dev.rush",
        "突击发展党员",
        "medium",
        data=("dev.rush_days", "dev.rush_share", "dev.rush_min"),
        cites="dev.rush_days",
        source=f"{DEV_RULES} 第三条",
    ),
    Rule("dev.structure", "发展党员结构未达计划", "low", cites="dev.rush_days", source=f"{DEV_RULES} 第三条"),
)
def plans(engine) -> None:
    """Plans: quota, rush, structure."""
    ctx = engine.ctx
    years = list(range(ctx.start.year, ctx.end.year + 1))
    found = list(DevelopmentPlan.objects.filter(ctx.scope_q(), year__in=years).select_related("org"))
    if not found:
        return
    admissions = list(
        DevelopmentStep.objects.filter(
            ctx.scope_q(), number=15, passed=True, superseded_at__isnull=True, done_on__year__in=years
        ).values(
            "org_path",
            "done_on",
            "applicant__person__name",
            "applicant__person__gender",
            "applicant__person__birth_date",
            "applicant__frontline",
        )
    )
    for plan in found:
        org = ctx.orgs.get(plan.org_id)
        if org is None:
            continue
        mine = sorted(
            (a for a in admissions if a["org_path"].startswith(org.path) and a["done_on"].year == plan.year),
            key=lambda a: a["done_on"],
        )
        _plan(engine, plan, org, mine)


CHECKS = (deviations, overdue, plans)


def check(root, start: dt.date, end: dt.date, today: dt.date):
    """Only the development findings for a party organization's subtree."""
    engine = Engine(Context(root, start, end, min(end, today)))
    return engine.run(CHECKS, key=lambda f: (SEVERITY_ORDER[f.severity], f.org_path, f.rule))
