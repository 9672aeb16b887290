"""Home-page section: probationary members whose year of probation ends soon (预备期满)."""

import datetime

from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from core.home import HomeItem, HomeSection, provider
from orgs.scoping import has_scope
from party import scope
from party.development.models import Applicant
from party.duty_review.models import ReviewRater, ReviewReporter, RoundStatus
from party.membership.models import Member, MemberCategory, Transfer, TransferState

FULL_VOTE = 23  # 支部大会讨论转正 (party.development.steps)

SHOWN = 8


@provider
def probation_due(user):
    """Probationary members whose probation ends within the window, said as it stands: due (需按期
    讨论转正), already past and not discussed (已超期未讨论转正), extended (延长预备期, with the new
    end), or discussed and awaiting approval. An extension whose new end lies beyond the window is
    not listed."""
    if not has_scope(user, "change"):
        return None
    members = Member.objects.visible_to(user, "change")
    if not members.exists():
        return None
    today = timezone.localdate()
    horizon = today + datetime.timedelta(days=30)
    # Probation is one year from the branch meeting that admitted the member (细则 第三十二条);
    # an extension (延长预备期) moves its end (``Applicant.probation_ends_on``).
    cutoff = horizon - relativedelta(years=1)
    candidates = list(
        members.filter(category=MemberCategory.PROBATIONARY, status="normal", joined_on__lte=cutoff)
        .select_related("person", "org")
        .order_by("joined_on")
    )
    files = {
        a.member_id: a
        for a in Applicant.objects.filter(member__in=candidates).only(
            "member_id", "probation_ends_on", "extended_months", "step"
        )
    }
    rows = []
    for m in candidates:
        a = files.get(m.pk)
        ends = (a.probation_ends_on if a and a.probation_ends_on else None) or m.joined_on + relativedelta(
            years=1
        )
        if ends > horizon:
            continue  # extended beyond the window
        rows.append((m, _probation_text(m, a, ends, today), "danger" if ends < today else "warning"))
    total = len(rows)
    items = [
        HomeItem(
            f"{m.person.name}({m.org.name}){text}", reverse("orgs:person", args=[m.person_id]), level=level
        )
        for m, text, level in rows[:SHOWN]
    ]
    if total > SHOWN:
        items.append(HomeItem(f"……另有 {total - SHOWN} 名预备党员", level="warning"))
    return HomeSection(f"预备党员转正提醒({total})", items, empty_text="近30天内没有预备期满的党员", order=25)


def _probation_text(m, a, ends: datetime.date, today: datetime.date) -> str:
    if a is not None and a.step >= FULL_VOTE:
        return f"预备期 {ends:%Y-%m-%d} 届满,支部大会已讨论,待上级党委审批"
    extended = f"延长预备期 {a.extended_months} 个月," if a is not None and a.extended_months else ""
    if ends < today:
        return f"{extended}预备期 {ends:%Y-%m-%d} 已届满,已超期未讨论转正"
    return f"{extended}预备期 {ends:%Y-%m-%d} 届满,需按期讨论转正"


@provider
def branch_findings(user):
    """A secretary's branch: what the compliance check finds (last twelve months)."""
    from party import compliance, selectors

    branches = scope.branches_for_secretary(user, limit=4)
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
        url = reverse("party:dashboard") + f"?org={top.pk}&q={start:%Y-%m}"
        # A large subtree's counts are stored with its snapshot; its first one is queued, not awaited.
        board = selectors.board(top, start, end)
        if board is None:
            items.append(HomeItem(f"{top.short_name or top.name} {label}:正在计算研判结果", url))
            continue
        counts = {s: board.counts.get(s, 0) for s in ("high", "medium", "low")}
        items.append(
            HomeItem(
                f"{top.short_name or top.name} {label}:严重 {counts['high']} 项、一般 {counts['medium']} 项、"
                f"提示 {counts['low']} 项",
                url,
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


@provider
def own_transfer_out(user):
    """The signed-in member's own 组织关系转出 still waiting to be received — a branch secretary
    who is leaving must see it on the home page (the branch page says so too)."""
    if not user.is_authenticated:
        return None
    pending = list(
        Transfer.objects.filter(member__person__user=user, state=TransferState.PENDING)
        .select_related("member__org")
        .order_by("sent_on")
    )
    if not pending:
        return None
    items = [
        HomeItem(
            f"您本人的组织关系正由{t.member.org.name}转出至{t.to_org_name}({t.sent_on:%Y-%m-%d} 开具介绍信),"
            "待接收;转出后请及时交接支部工作",
            reverse("party:org", args=[t.member.org_id]),
            level="warning",
        )
        for t in pending
    ]
    return HomeSection("我的组织关系转出", items, order=20)


@provider
def duty_review_todo(user):
    """述职评议: a report to submit (the reporting organization) and sheets to fill (a rater)."""
    if not user.is_authenticated:
        return None
    items = []
    for r in (
        ReviewReporter.objects.visible_to(user, "change")
        .active()
        .filter(round__status=RoundStatus.OPEN, submitted_at__isnull=True)
        .select_related("round", "org")[:SHOWN]
    ):
        late = r.round.report_due < timezone.localdate()
        items.append(
            HomeItem(
                f"{r.round.title}:{r.org.short_name or r.org.name}述职报告待提交,"
                f"截止 {r.round.report_due:%Y-%m-%d}",
                reverse("party:duty_review_report", args=[r.pk]),
                level="danger" if late else "warning",
            )
        )
    for rater in ReviewRater.objects.filter(
        user=user, withdrawn_at__isnull=True, round__status=RoundStatus.RATING
    ).select_related("round"):
        done = rater.sheets.count()
        total = rater.round.reporters.active().count()
        if done < total:
            items.append(
                HomeItem(
                    f"{rater.round.title}:待评议 {total - done} 名(已评 {done} 名)",
                    reverse("party:duty_review_round", args=[rater.round_id]) + "#rate",
                    level="warning",
                )
            )
    if not items:
        return None
    return HomeSection("述职评议", items, order=26)


@provider
def my_party_life(user):
    """我的党员信息 for an account linked to a member record: this year's study hours against the
    target, dues months owing, the latest meeting — each leading to ``/party/me/``."""
    from party import me

    member = me.own_member(user)
    if member is None:
        return None
    mine = me.my_year(member)
    url = reverse("party:me")
    items = [HomeItem(f"{mine.year} 年学习学时 {mine.hours} / {mine.target}", url)]
    if mine.meetings:
        last = mine.meetings[0]
        items.append(
            HomeItem(
                f"最近一次组织生活:{last['meeting'].held_on:%Y-%m-%d} {last['meeting'].get_kind_display()}",
                url,
            )
        )
    if mine.owing:
        items.append(HomeItem(f"党费有 {mine.owing} 个月未缴,请联系党支部", url, level="warning"))
    return HomeSection("我的党员信息", items, order=6)
