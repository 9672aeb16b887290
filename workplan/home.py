"""Home-page sections of key-task supervision: what each person must act on today."""

from django.urls import reverse

from core.home import HomeItem, HomeSection, provider
from orgs.scoping import has_scope

from . import selectors
from .models import Task, TaskState


@provider
def supervision_office(user):
    if not has_scope(user, "supervise"):
        return None
    tasks = Task.objects.visible_to(user, "supervise")
    today = selectors.today()
    board = reverse("workplan:board")
    counts = [
        ("已逾期", tasks.overdue(today).count(), f"{board}?status=overdue", "danger"),
        ("进度滞后", tasks.lagging(today).count(), f"{board}?status=lagging", "warning"),
        ("待核验", tasks.filter(state=TaskState.SUBMITTED).count(), f"{board}?status=pending_verify", "info"),
    ]
    items = [
        HomeItem(label, url, badge=str(n), level=level if n else "secondary")
        for label, n, url, level in counts
    ]
    return HomeSection("督查督办 · 重点任务", items, order=5)


@provider
def unit_tasks(user):
    if not has_scope(user, "workplan_report"):
        return None
    today = selectors.today()
    due = selectors.reports_due(user, today)
    notices = selectors.notices_to_answer(user)
    if not due and not notices:
        return None
    items = [
        HomeItem(
            f"{'已逾期 ' if t.next_report_due < today else ''}{t.title[:40]}",
            reverse("workplan:task", args=[t.pk]),
            badge=f"{t.next_report_due:%m-%d} 报送",
            level="danger" if t.next_report_due < today else "warning",
        )
        for t in due[:6]
    ]
    items += [
        HomeItem(
            f"督办通知单 {n.number} 待回复",
            reverse("workplan:notice", args=[n.pk]),
            badge=f"{n.reply_due_on:%m-%d} 前",
            level="danger",
        )
        for n in notices[:4]
    ]
    return HomeSection("督办任务 · 待报送", items, order=6)
