"""Demo submissions to the 望月湖街道党工委 (演示报批事项): what the branches of the street submitted for
the committee to file, pre-review or approve, so that ``dangwei`` finds a queue on any build day —
one 备案 submitted a few days ago, one overdue 备案 from another branch, a probation extension
waiting for approval, and one 备案 the committee returned with its reason. Runs after
``demo.party.development`` (the applicants it builds), through the same services; skips when built."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.actors import SYSTEM
from orgs.models import Org
from party.development import services as development_services
from party.development.models import Applicant, StepSubmission

from .life import SHUJI_BRANCH


def _submit(applicant: Applicant, day: dt.date, note: str) -> StepSubmission | None:
    number = applicant.step + 1
    if number not in development_services.SUBMIT_STEPS:
        return None
    last = development_services.live_step(applicant, applicant.step)
    day = max(day, last.done_on if last is not None else day)
    return development_services.submit_step(
        actor=SYSTEM, applicant=applicant, number=number, submitted_on=day, note=note
    )


def build_demo_committee(stdout=None) -> int:
    if StepSubmission.objects.filter(is_demo=True).exists():
        return 0
    shuji = Org.objects.filter(is_demo=True, kind="branch", short_name=SHUJI_BRANCH).first()
    if shuji is None:
        return 0
    today = timezone.localdate()
    street = Org.objects.get_parent(shuji)
    open_ = Applicant.objects.filter(is_demo=True).open()
    made = 0
    with transaction.atomic():
        # shuji's activist (step 3 done): 备案 submitted, returned for a missing document, submitted again.
        for a in open_.filter(org=shuji, step=3).order_by("pk")[:1]:
            first = _submit(a, today - dt.timedelta(days=20), "报送入党积极分子备案表")
            if first is not None:
                development_services.decide_submission(
                    actor=SYSTEM,
                    submission=first,
                    approve=False,
                    note="推荐材料缺少党员推荐票汇总,请补充后重新报送",
                )
            made += bool(_submit(a, today - dt.timedelta(days=5), "已补充党员推荐票汇总,重新报送备案"))
        # shuji's extension of probation decided by the branch meeting (step 23): waiting for approval.
        for a in open_.filter(org=shuji, step=23).order_by("pk")[:1]:
            vote = development_services.live_step(a, 23)
            day = min(vote.done_on + dt.timedelta(days=3), today) if vote else today
            made += bool(_submit(a, day, "支部大会决议延长预备期,请予审批"))
        # Another branch's candidate (step 7 done) submitted long ago and not yet filed: overdue.
        others = open_.filter(org_path__startswith=street.path, step=7).exclude(org=shuji).order_by("pk")
        for a in others[:1]:
            candidate = development_services.live_step(a, 7)
            day = candidate.done_on + dt.timedelta(days=5) if candidate else today
            made += bool(_submit(a, min(day, today), "报送发展对象备案(审批)表"))
    if stdout:
        stdout.write(f"演示报批事项:{made} 件(望月湖街道党工委)。\n")
    return made
