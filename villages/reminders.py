"""Disclosure reminders of 四议两公开 (公开提醒): when a resolution's or an implementation result's
disclosure is due within ``village.remind_days`` days or already late, the village (its party
organization's secretary and the village staff) and the township are notified once per due date
and level (``Decision.reminded_key``). Run by the worker (``villages.tasks``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from core import kit, notify
from orgs.models import PARTY_KINDS, Org, RoleGrant
from party.rules import Rules

from .models import Decision, DecisionStatus, StepKind

KIND = "village_disclosure"
PENDING = (DecisionStatus.RESOLVED, DecisionStatus.DISCLOSED)


@dataclass
class Report:
    due: int = 0
    late: int = 0
    skipped: int = 0


def village_users(village: Org) -> list:
    """Who answers for the village's disclosures: grants on the village or on a party organization
    built in it (the 村党组织书记)."""
    paths = [village.path] + list(
        Org.objects.filter(host=village, kind__in=PARTY_KINDS, archived_at__isnull=True).values_list(
            "path", flat=True
        )
    )
    grants = (
        RoleGrant.objects.current().filter(org_path__in=paths, user__is_active=True).select_related("user")
    )
    return [g.user for g in grants]


def township_users(village: Org) -> list:
    """The township (乡镇/街道) above the village: grants on the town itself."""
    town = Org.objects.get_parent(village)
    if town is None:
        return []
    grants = (
        RoleGrant.objects.current()
        .filter(org_path=town.path, user__is_active=True)
        .exclude(role="resident")
        .select_related("user")
    )
    return [g.user for g in grants]


def _what(decision: Decision) -> str:
    return "决议公开" if decision.next_kind == StepKind.RESOLUTION_DISCLOSURE else "实施结果公开"


def run(today: dt.date | None = None) -> Report:

    today = today or kit.today()
    report = Report()
    rules = Rules.load(today)
    horizon = today + dt.timedelta(days=31)
    items = (
        Decision.objects.filter(status__in=PENDING, due_on__isnull=False, due_on__lte=horizon)
        .select_related("org")
        .order_by("due_on", "pk")
    )
    for decision in items:
        remind = int(rules.get("village.remind_days", decision.org))
        if decision.due_on < today:
            level = "late"
        elif (decision.due_on - today).days <= remind:
            level = "due"
        else:
            continue
        key = f"{level}:{decision.next_kind}:{decision.due_on}"[:40]
        if decision.reminded_key == key:
            report.skipped += 1
            continue
        what = _what(decision)
        if level == "late":
            title = f"{decision.org.name}“{decision.title[:30]}”{what}已逾期"
            body = f"{decision.due_label},期限 {decision.due_on},已逾期 {(today - decision.due_on).days} 天。"
        else:
            title = f"{decision.org.name}“{decision.title[:30]}”{what}将于 {decision.due_on} 到期"
            body = f"{decision.due_label},期限 {decision.due_on}。"
        users = village_users(decision.org) + township_users(decision.org)
        with transaction.atomic():
            locked = Decision.objects.select_for_update().get(pk=decision.pk)
            if locked.reminded_key == key:
                report.skipped += 1
                continue
            notify.notify(users, kind=KIND, title=title, body=body, url=f"/villages/{decision.pk}/")
            Decision.objects.filter(pk=decision.pk).update(reminded_key=key)
        if level == "late":
            report.late += 1
        else:
            report.due += 1
    return report
