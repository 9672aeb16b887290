"""Read queries of the member development pages, always scoped (``visible_to``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import Count, Q

from orgs.models import Org
from orgs.scoping import ALL, scope_paths, subtree_q, under_paths
from party.development import steps as development_steps
from party.development.models import (
    Applicant,
    ApplicantStatus,
    DevelopmentPlan,
    DevelopmentStep,
    StepSubmission,
    SubmissionState,
)
from party.life.models import Meeting, MeetingKind
from party.membership.models import Member, MemberCategory, MemberStatus


def applicants(user, action="view"):
    return Applicant.objects.visible_to(user, action).select_related("person", "org")


def board(user, branch: Org, today: dt.date) -> list[dict]:
    """The branch's pipeline: who is at which step, what is due, what is overdue."""
    rows = []
    for a in applicants(user).filter(org=branch).order_by("status", "-step", "applied_on", "pk"):
        nxt = a.next_step
        rows.append(
            {
                "a": a,
                "last": development_steps.BY_NUMBER.get(a.step),
                "next": nxt,
                "stage": development_steps.STAGES[
                    nxt.stage if nxt else development_steps.BY_NUMBER[max(a.step, 1)].stage
                ],
                "overdue": bool(a.due_on and a.due_on < today),
                "due_soon": bool(a.due_on and today <= a.due_on <= today + dt.timedelta(days=14)),
                "waiting": bool(a.earliest_on and a.earliest_on > today),
            }
        )
    return rows


def timeline(applicant: Applicant):
    steps = (
        applicant.steps.select_related("deciding_org", "resolution", "meeting")
        .prefetch_related("people", "documents")
        .order_by("number", "pk")
    )
    return list(steps)


def form_choices(applicant: Applicant, step: development_steps.Step, day: dt.date):
    branch = applicant.org
    orgs = [
        o for o in Org.objects.get_ancestors(branch) if o.kind in ("party_committee", "working_committee")
    ]
    orgs.reverse()
    members = (
        Member.objects.filter(org=branch, status=MemberStatus.NORMAL, category=MemberCategory.FORMAL)
        .exclude(person=applicant.person)
        .select_related("person")
        .order_by("person__name")
    )
    people = [m.person for m in members]
    meetings = list(
        Meeting.objects.live()
        .filter(org=branch, kind=MeetingKind.BRANCH_ASSEMBLY, held_on__gte=day - dt.timedelta(days=120))
        .order_by("-held_on")[:12]
    )
    return {"orgs": orgs, "people": people, "meetings": meetings}


def overview(user, root: Org, today: dt.date) -> dict:
    """Counts per stage for each child organization, overdue applicants and recent deviations."""
    visible = applicants(user).filter(subtree_q("org_path", root.path))
    children = list(Org.objects.get_children(root).filter(archived_at__isnull=True).exclude(kind="group"))
    open_ = visible.open()
    per_child: dict[int, Counter] = defaultdict(Counter)
    stage_totals: Counter = Counter()
    for org_path, step in open_.values_list("org_path", "step"):
        nxt = development_steps.BY_NUMBER.get(step + 1) or development_steps.BY_NUMBER[step]
        stage_totals[nxt.stage] += 1
        for child in children:
            if org_path.startswith(child.path):
                per_child[child.pk][nxt.stage] += 1
                per_child[child.pk]["total"] += 1
    child_rows = [
        {
            "org": c,
            "stages": [per_child[c.pk][s] for s in development_steps.STAGES],
            "total": per_child[c.pk]["total"],
        }
        for c in children
        if per_child[c.pk]["total"]
    ]
    overdue = list(open_.filter(due_on__lt=today).order_by("due_on")[:50])
    deviations = list(
        DevelopmentStep.objects.visible_to(user)
        .filter(subtree_q("org_path", root.path), has_deviation=True, superseded_at__isnull=True)
        .select_related("applicant__person", "org")
        .order_by("-done_on", "-pk")[:50]
    )
    year = today.year
    admitted = visible.filter(admitted_on__year=year)
    plans = list(
        DevelopmentPlan.objects.visible_to(user)
        .filter(Q(subtree_q("org_path", root.path)) | Q(org__in=[root]), year=year)
        .select_related("org")
        .order_by("org_path")
    )
    plan_rows = []
    for plan in plans:
        mine = admitted.filter(subtree_q("org_path", plan.org.path))
        plan_rows.append(
            {
                "plan": plan,
                "admitted": mine.count(),
                "women": mine.filter(person__gender="F").count(),
                "young": sum(
                    1
                    for born, day in mine.values_list("person__birth_date", "admitted_on")
                    if born and day.year - born.year <= 35
                ),
                "frontline": mine.filter(frontline=True).count(),
            }
        )
    status_counts = dict(visible.values_list("status").annotate(n=Count("pk")))
    return {
        "children": child_rows,
        "stage_totals": [stage_totals[s] for s in development_steps.STAGES],
        "overdue": overdue,
        "deviations": deviations,
        "plans": plan_rows,
        "status_counts": {ApplicantStatus(k).label: v for k, v in status_counts.items()},
        "total_open": open_.count(),
        "year": year,
    }


APPROVES = {
    "admit": "接收预备党员",
    "full": "预备党员转正",
    "extend": "延长预备期",
    "cancel": "取消预备党员资格",
}


def approval_queue(user, committee: Org, today: dt.date) -> list[dict]:
    """The 党委's approval queue (审批队列): applicants under ``committee`` whose branch meeting has
    decided (admission, full membership, extension, cancellation) and who wait for the approving
    党委, with the 3-month clock from the branch meeting. ``approver``: the nearest ancestor of the
    branch with approval authority (only it may decide)."""
    from party.development.services import approving_orgs, live_step

    rows = []
    approvers: dict[int, Org | None] = {}
    for a in (
        applicants(user)
        .filter(subtree_q("org_path", committee.path))
        .filter(status__in=(ApplicantStatus.ACTIVE, ApplicantStatus.PROBATIONARY), step__in=(15, 16, 23))
        .order_by("due_on", "pk")
    ):
        if a.org_id not in approvers:
            found = approving_orgs(a.org, today)
            approvers[a.org_id] = found[0] if found else None
        if a.step == 23:
            vote = live_step(a, 23)
            assert vote is not None  # a.step is the last step passed: step 23 is live
            approves = vote.details.get("outcome", "full")
            meeting_on = vote.done_on
            months = vote.details.get("extension_months")
        else:
            approves, meeting_on, months = "admit", a.admitted_on, None
        rows.append(
            {
                "a": a,
                "approves": approves,
                "approves_label": APPROVES[approves] + (f" {months} 个月" if months else ""),
                "meeting_on": meeting_on,
                "approver": approvers[a.org_id],
                "waiting_talk": a.step == 15,
                "overdue": bool(a.due_on and a.due_on < today),
                "days_left": (a.due_on - today).days if a.due_on else None,
                "overdue_days": (today - a.due_on).days if a.due_on and a.due_on < today else 0,
            }
        )
    return rows


# -- submissions to the higher 党委 (报批事项) ------------------------------------------------------

COMMITTEE_KINDS = ("party_committee", "working_committee")


def submissions(user, action="view"):
    return StepSubmission.objects.visible_to(user, action).select_related(
        "applicant__person", "applicant__org", "committee", "org", "submitted_by", "decided_by", "step"
    )


def pending_submission(applicant: Applicant) -> StepSubmission | None:
    return (
        applicant.submissions.filter(state=SubmissionState.PENDING, number=applicant.step + 1)
        .select_related("committee")
        .first()
    )


def last_returned(applicant: Applicant) -> StepSubmission | None:
    """The latest submission of the next step the 党委 returned (its reason is shown to the branch)."""
    return (
        applicant.submissions.filter(state=SubmissionState.RETURNED, number=applicant.step + 1)
        .select_related("committee")
        .order_by("-decided_at", "-pk")
        .first()
    )


def committees_for(user) -> list[Org]:
    """The 党委/党工委 whose queue the user may handle (a ``change`` role over them), top first."""
    paths = scope_paths(user, "change")
    if paths is not ALL and not paths:
        return []
    orgs = Org.objects.filter(kind__in=COMMITTEE_KINDS, archived_at__isnull=True)
    if paths is not ALL:
        orgs = orgs.filter(under_paths(paths, "path"))
    return list(orgs.order_by("path")[:200])


def committee_queue(user, committee: Org, today: dt.date) -> dict:
    """What waits for ``committee`` and the 党委s under it: pending submissions (oldest deadline
    first, overdue marked), the talks it holds before approval (step 16) and what it handled lately."""
    mine = submissions(user).filter(subtree_q("committee__path", committee.path))
    pending = []
    for s in mine.filter(state=SubmissionState.PENDING).order_by("due_on", "pk"):
        pending.append(
            {
                "s": s,
                "overdue": bool(s.due_on and s.due_on < today),
                "days_left": (s.due_on - today).days if s.due_on else None,
                "overdue_days": (today - s.due_on).days if s.due_on and s.due_on < today else 0,
            }
        )
    talks = list(
        applicants(user)
        .filter(subtree_q("org_path", committee.path), status=ApplicantStatus.ACTIVE, step=15)
        .order_by("due_on", "pk")
    )
    recent = list(
        mine.exclude(state=SubmissionState.PENDING)
        .filter(decided_at__date__gte=today - dt.timedelta(days=90))
        .order_by("-decided_at", "-pk")[:30]
    )
    return {"pending": pending, "talks": talks, "recent": recent}
