"""Home-page sections for case handling: each role's queue for today."""

from django.urls import reverse
from django.utils import timezone

from core.home import HomeItem, HomeSection, provider
from orgs.scoping import has_scope, scope_paths, under_paths

from .models import (
    DECIDER_ACTION,
    AssignmentStatus,
    Case,
    CaseAssignment,
    CaseRequest,
    CaseStatus,
    NoticeKind,
    SupervisionNotice,
)


def _item(label: str, count: int, url: str, level: str = "secondary") -> HomeItem:
    return HomeItem(label, url, badge=str(count), level=level if count else "secondary")


@provider
def dispatch_queue(user):
    if not has_scope(user, "dispatch"):
        return None
    cases = Case.objects.visible_to(user, "dispatch")
    base = reverse("cases:list")
    now = timezone.now()
    items = [
        _item(
            "待受理", cases.filter(status=CaseStatus.REPORTED).count(), f"{base}?status=reported", "primary"
        ),
        _item(
            "待派遣",
            cases.filter(status=CaseStatus.REGISTERED).count(),
            f"{base}?status=registered",
            "primary",
        ),
        _item(
            "退单待裁定",
            cases.filter(status=CaseStatus.RETURNED).count(),
            f"{base}?status=returned",
            "danger",
        ),
        _item("已逾期", cases.overdue(now).count(), f"{base}?overdue=1", "danger"),
        _item("待审批(延期/挂账)", _decidable(user, "dispatch"), f"{base}?requests=1", "warning"),
    ]
    return HomeSection("调度中心 · 今日待办", items, order=3)


def _decidable(user, action: str) -> int:
    kinds = [kind for kind, needed in DECIDER_ACTION.items() if needed == action]
    return CaseRequest.objects.visible_to(user, action).pending().filter(kind__in=kinds).count()


@provider
def supervision_desk(user):
    """督查室: what waits for its decision, and units that have not answered their notices."""
    if not has_scope(user, "supervise"):
        return None
    notices = SupervisionNotice.objects.visible_to(user, "supervise")
    now = timezone.now()
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    items = [
        _item(
            "待审批(重办/不合理诉求认定)",
            _decidable(user, "supervise"),
            f"{reverse('cases:list')}?requests=1",
            "warning",
        ),
        _item(
            "督办通知单逾期未回复",
            notices.awaiting_reply().filter(reply_due_at__lt=now).count(),
            f"{reverse('cases:notices')}?state=late",
            "danger",
        ),
        _item(
            "本月通报",
            notices.filter(kind=NoticeKind.CIRCULAR, created_at__gte=month_start).count(),
            f"{reverse('cases:notices')}?kind=circular",
            "danger",
        ),
    ]
    return HomeSection("督查问效", items, order=5)


@provider
def notices_to_answer(user):
    """A unit's supervision notices still waiting for its written explanation."""
    if not has_scope(user, "handle"):
        return None
    paths = scope_paths(user, "handle")
    awaiting = SupervisionNotice.objects.visible_to(user, "handle").awaiting_reply()
    if paths is not None:  # addressed to the user's own units, not just about cases in their area
        awaiting = awaiting.filter(under_paths(paths, "unit__path"))
    count = awaiting.count()
    if not count:
        return None
    item = _item("督办通知单待回复", count, f"{reverse('cases:notices')}?state=awaiting", "danger")
    return HomeSection("督办通知", [item], order=4)


@provider
def unit_queue(user):
    if not has_scope(user, "handle"):
        return None
    mine = CaseAssignment.objects.visible_to(user, "handle")
    base = reverse("cases:list")
    now = timezone.now()
    items = [
        _item(
            "待签收", mine.filter(status=AssignmentStatus.PENDING).count(), f"{base}?mine=pending", "warning"
        ),
        _item(
            "处置中", mine.filter(status=AssignmentStatus.SIGNED).count(), f"{base}?mine=signed", "warning"
        ),
        _item(
            "处置已逾期",
            mine.filter(status=AssignmentStatus.SIGNED, handle_due_at__lt=now).count(),
            f"{base}?mine=overdue",
            "danger",
        ),
    ]
    return HomeSection("承办事项 · 今日待办", items, order=4)


@provider
def check_queue(user):
    if not has_scope(user, "check"):
        return None
    cases = Case.objects.visible_to(user, "check")
    base = reverse("cases:list")
    items = [
        _item("待核查", cases.filter(status=CaseStatus.FED_BACK).count(), f"{base}?status=fed_back", "info"),
        _item(
            "待核实", cases.filter(status=CaseStatus.VERIFYING).count(), f"{base}?status=verifying", "info"
        ),
    ]
    return HomeSection("核查核实", items, order=6)


@provider
def my_reports(user):
    mine = Case.objects.filter(reporter_user=user).order_by("-created_at")
    if not mine.exists():
        return None
    items = [
        HomeItem(
            f"{c.number} {c.title}",
            reverse("cases:detail", args=[c.number]),
            badge=c.get_status_display(),
            level=c.status_colour,
        )
        for c in mine[:8]
    ]
    return HomeSection("我反映的问题", items, order=2)
