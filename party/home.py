"""Home-page section: probationary members whose year of probation ends soon (预备期满)."""

import datetime

from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from core.home import HomeItem, HomeSection, provider
from orgs.scoping import has_scope
from party import scope
from party.membership.models import Member, MemberCategory

SHOWN = 8


@provider
def probation_due(user):
    if not has_scope(user, "change"):
        return None
    members = Member.objects.visible_to(user, "change")
    if not members.exists():
        return None
    horizon = timezone.localdate() + datetime.timedelta(days=30)
    # Probation is one year from the branch meeting that admitted the member (rules.md §2).
    cutoff = horizon - relativedelta(years=1)
    due = (
        members.filter(category=MemberCategory.PROBATIONARY, status="normal", joined_on__lte=cutoff)
        .select_related("person", "org")
        .order_by("joined_on")
    )
    total = due.count()
    items = [
        HomeItem(
            f"{m.person.name}({m.org.name})预备期 {m.joined_on:%Y-%m-%d} 起,需按期讨论转正",
            reverse("orgs:person", args=[m.person_id]),
            level="warning",
        )
        for m in due[:SHOWN]
    ]
    if total > SHOWN:
        items.append(HomeItem(f"……另有 {total - SHOWN} 名预备党员", level="warning"))
    return HomeSection(f"预备党员转正提醒({total})", items, empty_text="近30天内没有预备期满的党员", order=25)


@provider
def branch_findings(user):
    """A secretary's branch: what the compliance check finds (last twelve months)."""
    from party import compliance, selectors

    branches = scope.branches_for_secretary(user)
    if not branches or len(branches) > 3:
        return None
    items = []
    for branch in branches:
        start, end = compliance.default_window(selectors.today())
        found = selectors.findings(branch, start, end)
        url = reverse("party:org", args=[branch.pk])
        items.append(
            HomeItem(f"{branch.short_name or branch.name}:{len(found)} 项待改进", url, level="secondary")
        )
        for f in found[:5]:
            level = {"high": "danger", "medium": "warning"}.get(f.severity, "secondary")
            items.append(HomeItem(f"【{f.severity_label}】{f.title}:{f.reason}", url, level=level))
        items.append(
            HomeItem("录入组织生活(三会一课、主题党日……)", reverse("party:meeting_new", args=[branch.pk]))
        )
    return HomeSection("本支部组织生活", items, order=22)


@provider
def org_dept_summary(user):
    """The organization department: findings of the last complete quarter across its scope."""
    from party import selectors

    tops = [o for o in scope.top_orgs(user) if o.kind not in ("branch", "group")]
    if not tops:
        return None
    (start, end, label) = selectors.quarters(selectors.today())[1]
    items = []
    for top in tops[:2]:
        found = selectors.findings(top, start, end)
        counts = {s: sum(1 for f in found if f.severity == s) for s in ("high", "medium", "low")}
        items.append(
            HomeItem(
                f"{top.short_name or top.name} {label}:严重 {counts['high']} 项、一般 {counts['medium']} 项、"
                f"提示 {counts['low']} 项",
                reverse("party:dashboard") + f"?org={top.pk}&q={start:%Y-%m}",
                level="danger" if counts["high"] else "secondary",
            )
        )
    return HomeSection("基层党组织合规检查", items, order=21)


@provider
def committee_submissions(user):
    """A 党委's 报批事项: what its branches submitted for 备案, 预审 and 审批, overdue first."""
    from party.development import selectors as development_selectors

    committees = development_selectors.committees_for(user)
    if not committees:
        return None
    today = timezone.localdate()
    top = committees[0]
    queue = development_selectors.committee_queue(user, top, today)
    pending = queue["pending"]
    url = f"{reverse('party:development_committee')}?org={top.pk}"
    items = []
    for row in pending[:SHOWN]:
        sub = row["s"]
        branch = sub.applicant.org.short_name or sub.applicant.org.name
        late = "(已超期)" if row["overdue"] else ""
        due = f",期限 {sub.due_on:%Y-%m-%d}{late}" if sub.due_on else ""
        items.append(
            HomeItem(
                f"{sub.applicant.person.name}({branch}){sub.step_label}{due}",
                reverse("party:development_submission", args=[sub.pk]),
                level="danger" if row["overdue"] else "warning",
            )
        )
    if len(pending) > SHOWN:
        items.append(HomeItem(f"……另有 {len(pending) - SHOWN} 件", url, level="warning"))
    return HomeSection(
        f"发展党员报批事项({len(pending)})", items, empty_text="没有待办理的报送事项", order=24
    )
