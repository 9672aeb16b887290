"""Leading cadres (党员领导干部) and their dual organization life (双重组织生活, rules.md §1.18): the
branch marks a member as a leading cadre of a leadership team; the compliance engine then expects
the cadre at the branch's organization life every period (``cadre.branch_life.period``) and at the
team's 民主生活会 (``meeting.democratic_life.period``)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from audit import events
from audit.services import record
from core import clock, kit
from core.actors import is_system
from core.errors import PermissionDenied, ServiceError
from core.kit import clean_text
from orgs.models import Org
from orgs.scoping import can
from party.membership.models import Member, MemberStatus
from party.scope import TEAM_KINDS
from party.terms.cadre_models import LeadingCadre

E = events.register
CADRE_MARKED = E("party.cadre_marked", "登记党员领导干部")
CADRE_ENDED = E("party.cadre_ended", "党员领导干部离任")


@transaction.atomic
def mark_leading_cadre(*, actor, member: Member, team: Org, title: str, start_on: dt.date) -> LeadingCadre:
    if not is_system(actor) and not can(actor, "change", member.org):
        raise PermissionDenied("无权为该支部登记领导干部")
    if member.status != MemberStatus.NORMAL:
        raise ServiceError("只能登记状态正常的党员", field="member")
    if team is None or team.kind not in TEAM_KINDS or team.archived_at is not None:
        raise ServiceError("领导班子须为党委、党工委或党组", field="team")
    if start_on > kit.today():
        raise ServiceError("任职日期不能晚于今天", field="start_on")
    if LeadingCadre.objects.current(start_on).filter(member=member, team=team).exists():
        raise ServiceError(f"{member.person.name} 已登记为该领导班子成员", field="member")
    cadre = LeadingCadre.objects.create(
        org=member.org,
        member=member,
        team=team,
        title=clean_text(title, "title", "领导职务", required=True, limit=50),
        start_on=start_on,
        created_at=clock.now(),
    )
    record(
        cadre,
        CADRE_MARKED,
        actor=actor,
        after={"member": member.person.name, "team": team.name, "title": title},
    )
    return cadre


@transaction.atomic
def end_leading_cadre(*, actor, cadre: LeadingCadre, end_on: dt.date, reason: str) -> LeadingCadre:
    if not is_system(actor) and not can(actor, "change", cadre.org):
        raise PermissionDenied("无权修改该领导干部记录")
    reason = clean_text(reason, "reason", "离任原因", required=True)
    if cadre.end_on is not None:
        raise ServiceError("该领导干部记录已离任")
    if end_on < cadre.start_on:
        raise ServiceError("离任日期不能早于任职日期", field="end_on")
    cadre.end_on = end_on
    cadre.save(update_fields=["end_on"])
    record(cadre, CADRE_ENDED, actor=actor, reason=reason, after={"end_on": str(end_on)})
    return cadre
