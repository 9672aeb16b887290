"""Demo member development (演示发展党员): applicants at every stage in shuji's branch (湖东社区党支部)
and a few other branches, some with a step due soon, some overdue, one talk held later than the
one-month limit (a deviation with its rule), and the street committee's annual plan exceeded by
admissions clustered in one month (突击发展). Everything goes through ``party.development``'s
services, so the demo shows exactly what the rules produce. Skips when already built."""

from __future__ import annotations

import datetime as dt
import random

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from orgs.models import Org

from . import development as dev
from . import devsteps, services
from .demo import SHUJI_BRANCH
from .devmodels import Applicant
from .models import MeetingKind, Member, MemberCategory, MemberStatus

SEED = 20261129 + 6
GIVEN = ["晓梅", "建军", "伟", "洋", "静", "磊", "丽娟", "浩然", "思雨", "子涵", "文博", "佳怡", "志强", "雪"]
FAMILY = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"]


class _Demo:
    def __init__(self, today: dt.date):
        self.today = today
        self.rng = random.Random(SEED)
        self.count = 0

    def name(self) -> str:
        return self.rng.choice(FAMILY) + self.rng.choice(GIVEN)

    def apply(self, branch: Org, applied: dt.date, *, female=None, age=None, frontline=None) -> Applicant:
        female = self.rng.random() < 0.45 if female is None else female
        age = age or self.rng.randint(22, 40)
        born = applied - relativedelta(years=age, days=self.rng.randint(10, 300))
        self.count += 1
        return dev.apply_for_membership(
            actor=None,
            branch=branch,
            applied_on=applied,
            name=self.name(),
            gender="F" if female else "M",
            birth_date=born,
            frontline=self.rng.random() < 0.5 if frontline is None else frontline,
            note="本人递交入党申请书",
            is_demo=True,
        )

    def advance(
        self, applicant: Applicant, upto: int, dates: dict[int, dt.date], extra: dict | None = None
    ) -> Applicant:
        """Record steps up to ``upto`` on the given days (missing days: a few days after the last)."""
        branch = applicant.org
        formal = list(
            Member.objects.filter(org=branch, status=MemberStatus.NORMAL, category=MemberCategory.FORMAL)
            .select_related("person")
            .order_by("joined_on", "pk")
        )
        people = [m.person for m in formal]
        committee = dev.approving_orgs(branch)[0]
        last = applicant.applied_on
        for n in range(applicant.step + 1, upto + 1):
            day = dates.get(n) or min(last + dt.timedelta(days=self.rng.randint(5, 20)), self.today)
            kw: dict = {}
            if n in (2, 16):
                kw["people"] = people[:1]
            if n in (4, 8, 13, 16, 17, 18, 24):
                kw["deciding_org"] = committee
            if n == 5:
                kw["people"] = people[1:3]
            if n == 9:
                kw["people"] = people[1:3]
            if n == 11:
                kw.update(training_days=3, training_hours=24)
            if n == 7:
                notice_from = day - dt.timedelta(days=10)
                kw.update(notice_from=notice_from, notice_to=day - dt.timedelta(days=1))
            if n in (15, 23):
                expected = list(services.expected_members(branch, MeetingKind.BRANCH_ASSEMBLY, day))
                meeting = services.record_meeting(
                    actor=None,
                    org=branch,
                    kind=MeetingKind.BRANCH_ASSEMBLY,
                    held_on=day,
                    topic="讨论发展党员事项" if n == 15 else "讨论预备党员转正事项",
                    attendance={m.pk: "present" for m in expected},
                    minutes="支部委员会报告审查情况,入党介绍人介绍情况,与会党员充分讨论后无记名投票表决。"
                    * 3,
                )
                voters = sum(1 for m in expected if m.category == MemberCategory.FORMAL)
                kw["vote"] = dev.Vote(meeting=meeting, yes=voters - 1, abstain=1)
            if n == 17 and day > applicant.admitted_on + relativedelta(months=3):
                kw["note"] = "党委换届,审批顺延"
            if n == 25:
                kw["checklist"] = list(devsteps.ARCHIVE_CHECKLIST)
            kw.update((extra or {}).get(n, {}))
            dev.record_step(actor=None, applicant=applicant, number=n, done_on=day, **kw)
            applicant.refresh_from_db()
            last = day
        return applicant


def _correct_one(applicant: Applicant, reason: str) -> None:
    """A corrected step (更正): step 18's filing date moved a day, the prior version kept."""
    from .devmodels import DevelopmentStep

    step = DevelopmentStep.objects.filter(applicant=applicant, number=18, superseded_at__isnull=True).first()
    if step is not None:
        dev.correct_step(actor=None, step=step, reason=reason, done_on=step.done_on + dt.timedelta(days=1))


def _path_dates(start: dt.date, admitted: dt.date | None = None) -> dict[int, dt.date]:
    """A regular timetable: activist 2 months after applying, candidate one year later, …"""
    d = {2: start + dt.timedelta(days=20), 3: start + relativedelta(months=2)}
    d[4] = d[3] + dt.timedelta(days=5)
    d[5] = d[3] + dt.timedelta(days=6)
    d[6] = d[3] + relativedelta(months=6)
    d[7] = d[3] + relativedelta(years=1, days=10)
    d[8] = d[7] + dt.timedelta(days=5)
    d[9] = d[7] + dt.timedelta(days=7)
    d[10] = d[7] + dt.timedelta(days=30)
    d[11] = d[7] + dt.timedelta(days=45)
    d[12] = d[7] + dt.timedelta(days=60)
    d[13] = d[7] + dt.timedelta(days=70)
    d[14] = d[7] + dt.timedelta(days=75)
    d[15] = admitted or d[7] + dt.timedelta(days=90)
    d[16] = d[15] + dt.timedelta(days=20)
    d[17] = d[15] + dt.timedelta(days=50)
    d[18] = d[17] + dt.timedelta(days=5)
    d[19] = d[17] + dt.timedelta(days=6)
    d[20] = d[17] + dt.timedelta(days=14)
    d[21] = d[15] + relativedelta(months=6)
    d[22] = d[15] + relativedelta(months=11)
    d[23] = d[15] + relativedelta(years=1, days=5)
    d[24] = d[23] + dt.timedelta(days=30)
    d[25] = d[24] + dt.timedelta(days=10)
    return d


def build_demo_development(stdout=None) -> int:
    if Applicant.objects.filter(is_demo=True).exists():
        if stdout:
            stdout.write("已有演示发展党员数据,直接复用。\n")
        return 0
    branches = list(
        Org.objects.filter(is_demo=True, kind="branch", archived_at__isnull=True).order_by("path")
    )
    shuji = next((b for b in branches if b.short_name == SHUJI_BRANCH), None)
    if shuji is None:
        return 0
    today = timezone.localdate()
    demo = _Demo(today)
    with transaction.atomic():
        # shuji's branch: one applicant at each kind of place in the pipeline.
        demo.apply(shuji, today - dt.timedelta(days=12), female=True)  # talk due soon
        demo.apply(shuji, today - relativedelta(months=2, days=5))  # talk overdue
        late = demo.apply(shuji, today - relativedelta(years=1, months=8))
        late_dates = _path_dates(late.applied_on)
        late_dates[2] = late.applied_on + relativedelta(months=1, days=18)  # the talk, 18 days late
        demo.advance(late, 6, late_dates)
        a = demo.apply(shuji, today - relativedelta(years=2, months=4), female=False)
        demo.advance(a, 15, _path_dates(a.applied_on, admitted=today - relativedelta(months=2, days=20)))
        a = demo.apply(shuji, today - relativedelta(years=3, months=3), female=True)
        demo.advance(
            a, 22, _path_dates(a.applied_on, admitted=today - relativedelta(years=1, months=1, days=15))
        )
        a = demo.apply(shuji, today - relativedelta(years=4, months=6), female=True, age=29)
        demo.advance(a, 25, _path_dates(a.applied_on, admitted=today - relativedelta(years=2, months=2)))
        _correct_one(a, "备案日期录错,按组织部门备案回执更正")
        a = demo.apply(shuji, today - relativedelta(months=11), female=False)
        demo.advance(a, 3, _path_dates(a.applied_on))
        # End of probation: an extension waiting for the 党委's approval, an approved extension
        # (probation runs on), an approved cancellation.
        a = demo.apply(shuji, today - relativedelta(years=3, months=2), female=False)
        dates = _path_dates(a.applied_on, admitted=today - relativedelta(years=1, months=1))
        demo.advance(a, 23, dates, {23: {"outcome": "extend", "extension_months": 6}})
        a = demo.apply(shuji, today - relativedelta(years=3, months=4), female=True)
        dates = _path_dates(a.applied_on, admitted=today - relativedelta(years=1, months=3))
        demo.advance(a, 24, dates, {23: {"outcome": "extend", "extension_months": 12}})
        a = demo.apply(shuji, today - relativedelta(years=3, months=5), female=False)
        dates = _path_dates(a.applied_on, admitted=today - relativedelta(years=1, months=4))
        demo.advance(
            a,
            24,
            dates,
            {
                23: {"outcome": "cancel", "note": "预备期内多次无故不参加组织生活,经教育仍不改正"},
                24: {"note": "同意支部大会决议"},
            },
        )
        # A few other branches in the same street: admissions clustered in one month this year.
        street = Org.objects.get_parent(shuji)
        others = [b for b in branches if b.path.startswith(street.path) and b.pk != shuji.pk][:6]
        cluster = today - relativedelta(months=4)
        for i, branch in enumerate(others):
            b = demo.apply(branch, today - relativedelta(years=2, months=3, days=i * 9))
            if i < 3:
                demo.advance(b, 17, _path_dates(b.applied_on, admitted=cluster + dt.timedelta(days=i * 6)))
            else:
                demo.advance(b, 3 + i, _path_dates(b.applied_on))
            c = demo.apply(branch, today - relativedelta(months=1 + i))
            if i % 2:
                demo.advance(c, 2, {2: c.applied_on + dt.timedelta(days=10)})
        dev.set_plan(
            actor=None,
            org=street,
            year=today.year,
            quota=3,
            women_min=2,
            young_min=3,
            frontline_min=2,
            note="区委组织部下达",
        )
        dev.set_plan(
            actor=None, org=shuji, year=today.year, quota=2, women_min=1, young_min=1, frontline_min=1
        )
    if stdout:
        stdout.write(f"演示发展党员:{demo.count} 名发展对象。\n")
    return demo.count
