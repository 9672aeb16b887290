"""Home-page sections for case handling: each role's queue for today."""

from django.urls import reverse
from django.utils import timezone

from core.home import HomeItem, HomeSection, provider
from orgs.scoping import has_scope

from .models import AssignmentStatus, Case, CaseAssignment, CaseStatus


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
    ]
    return HomeSection("调度中心 · 今日待办", items, order=3)


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
