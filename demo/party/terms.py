"""Demo elections and approvals (换届选举、书记副书记报批): one branch's election awaiting the street
committee's approval, and one branch whose new secretary has waited for approval for 45 days
(the finding 书记报批未批准). Through the real services (``party.terms.services``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.actors import SYSTEM
from orgs.models import Org, Position
from party import scope
from party.models import Appointment, LeadingCadre, Member, MemberCategory, MemberStatus, Term
from party.terms import services as terms


def _formal(branch: Org) -> list[Member]:
    return list(
        Member.objects.filter(org=branch, status=MemberStatus.NORMAL, category=MemberCategory.FORMAL)
        .select_related("person")
        .order_by("joined_on", "pk")
    )


def build(branches: list[Org], shuji_branch: Org | None, rng, today: dt.date) -> dict[str, int]:
    candidates = [b for b in branches if b != shuji_branch and len(_formal(b)) >= 7]
    if len(candidates) < 2:
        return {"elections": 0, "appointments": 0}
    electing, waiting = rng.sample(candidates, 2)
    # An election held ten days ago, reported to the street's working committee.
    members = _formal(electing)
    present = len(members) - 1
    held_on = today - dt.timedelta(days=10)
    rows = [
        {"person": m.person, "post": post, "votes": present - i}
        for i, (m, post) in enumerate(
            zip(members[1:4], ("secretary", "deputy_secretary", "committee_member"), strict=True)
        )
    ]
    term = terms.record_election(
        actor=SYSTEM, org=electing, held_on=held_on, eligible=len(members), present=present, committee=rows
    )
    Term.objects.filter(pk=term.pk).update(is_demo=True, note="演示:待街道党工委审批")
    # A secretary elected between elections, still not approved after 45 days: the post is vacant.
    members = _formal(waiting)
    elected_on = today - dt.timedelta(days=46)
    Position.objects.current(elected_on).filter(org=waiting, kind="secretary").update(
        end_on=elected_on, end_reason="调任"
    )
    appointment = terms.report_appointment(
        actor=SYSTEM, org=waiting, person=members[-1].person, post="secretary", elected_on=elected_on
    )
    Appointment.objects.filter(pk=appointment.pk).update(
        is_demo=True,
        reported_at=timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=45), dt.time(9))),
    )
    return {
        "elections": 1,
        "appointments": 1,
        **_cadres(branches, rng, today),
        **_structure(branches, shuji_branch, rng, today),
    }


def _structure(branches: list[Org], shuji_branch: Org | None, rng, today: dt.date) -> dict[str, int]:
    """湖东社区党支部 is a 品牌支部 with a 红色物业 alliance (its community's grids and an enterprise
    nearby); one branch built in an enterprise also covers a neighbouring firm (联合党支部)."""
    from party.structure import services as structure
    from party.structure.models import AllianceLink, BrandDesignation, JointBranchUnit

    made = {"brands": 0, "alliances": 0, "joint_units": 0}
    rows = []
    branch = shuji_branch or branches[0]
    higher = scope.approver_of(branch)
    if higher is not None:
        rows.append(
            structure.designate_brand(
                actor=SYSTEM,
                branch=branch,
                title="红色物业·楼栋管家",
                citation="推行党员包联楼栋、物业服务企业党建共建,加装电梯和老旧小区改造矛盾化解率居全街道前列。",
                designated_on=today - dt.timedelta(days=120),
            )
        )
        made["brands"] = 1
    host = branch.host
    if host is not None:
        partners = list(
            Org.objects.get_children(host).filter(kind__in=("grid", "enterprise")).order_by("path")[:3]
        )
        for partner in partners:
            rows.append(
                structure.link_alliance(
                    actor=SYSTEM,
                    org=branch,
                    partner=partner,
                    partner_kind="grid" if partner.kind == "grid" else "property",
                    alliance=f"{host.name}党建联盟",
                    joined_on=today - dt.timedelta(days=200),
                    note="联合开展楼栋走访和矛盾调处",
                )
            )
        made["alliances"] = len(partners)
    for candidate in branches:
        if candidate.host is None or candidate.host.kind != "enterprise":
            continue
        firms = list(
            Org.objects.filter(kind="enterprise", archived_at__isnull=True, party_orgs__isnull=True)
            .exclude(pk=candidate.host_id)
            .filter(path__startswith=candidate.host.path[: 2 * Org.steplen])[:1]
        )
        if firms:
            structure.add_joint_unit(
                actor=SYSTEM,
                branch=candidate,
                unit=firms[0],
                joined_on=today - dt.timedelta(days=300),
                note="党员不足3人,联合组建",
            )
            made["joint_units"] = 1
            break
    for model in (AllianceLink, BrandDesignation, JointBranchUnit):
        model.objects.filter(is_demo=False, created_at__date__gte=today - dt.timedelta(days=1)).update(
            is_demo=True
        )
    return made


def _cadres(branches: list[Org], rng, today: dt.date) -> dict[str, int]:
    """Three members of branches in one street sit on the street's working committee (领导干部); the
    committee held last year's 民主生活会 with two of them — the third was absent without leave."""
    from party.life import services
    from party.models import MeetingKind
    from party.terms import cadres

    by_team: dict[int, list[Org]] = {}
    for branch in branches:
        team = next(
            (a for a in reversed(Org.objects.get_ancestors(branch)) if a.kind == "working_committee"), None
        )
        if team is not None:
            by_team.setdefault(team.pk, []).append(branch)
    if not by_team:
        return {"cadres": 0}
    team_id = max(by_team, key=lambda k: len(by_team[k]))
    team = Org.objects.get(pk=team_id)
    start_on = dt.date(today.year - 2, 1, 5)
    marked = []
    for branch in rng.sample(by_team[team_id], min(3, len(by_team[team_id]))):
        member = _formal(branch)[-1]
        marked.append(
            cadres.mark_leading_cadre(
                actor=SYSTEM,
                member=member,
                team=team,
                title=rng.choice(["党工委委员", "党工委副书记"]),
                start_on=start_on,
            )
        )
    LeadingCadre.objects.filter(pk__in=[c.pk for c in marked]).update(is_demo=True)
    attendance = {c.member_id: "present" for c in marked}
    attendance[marked[-1].member_id] = "absent"
    services.record_meeting(
        actor=SYSTEM,
        org=team,
        kind=MeetingKind.DEMOCRATIC_LIFE,
        held_on=dt.date(today.year - 1, 12, 18),
        topic=f"{today.year - 1}年度党工委领导班子民主生活会",
        attendance=attendance,
        minutes="会前广泛征求意见,班子成员之间谈心谈话。会上书记代表班子作对照检查,班子成员逐一发言,"
        "开展批评和自我批评,针对联系服务群众不够深入、基层调研偏少等问题明确整改措施和时限。",
        decisions="形成班子整改清单,一季度内完成整改并通报",
    )
    return {"cadres": len(marked)}
