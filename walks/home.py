"""Home-page section (工作台) of a leader on the walk list: this year's walks against the yearly
minimum, drafts to finish, problems not yet handed on."""

from __future__ import annotations

from django.urls import reverse

from core import kit
from core.home import HomeItem, HomeSection, provider

from . import selectors
from .models import Leader, Walk, WalkStatus


@provider
def walks_section(user) -> HomeSection | None:
    if not getattr(user, "is_authenticated", False):
        return None
    leaders = list(Leader.objects.filter(person__user=user))
    if not leaders:
        return None
    today = kit.today()
    items = []
    for row in selectors.yearly_counts(user, today.year, today):
        if row.leader.pk not in {x.pk for x in leaders}:
            continue
        text = f"{today.year}年已走流程 {row.done} 次,年度要求 {row.required} 次"
        items.append(
            HomeItem(
                text=text + (f",还差 {row.behind} 次" if row.behind else ""),
                url=reverse("walks:leaders"),
                badge="未达到" if row.behind else "已达到",
                level="warning" if row.behind else "success",
            )
        )
    mine = Walk.objects.filter(leader__in=leaders)
    for walk in mine.filter(status=WalkStatus.DRAFT).order_by("-walked_on")[:3]:
        items.append(HomeItem(text=f"未完成的记录:{walk.service}", url=walk.get_absolute_url(), badge="草稿"))
    waiting = mine.filter(status=WalkStatus.RECORDED, problems__handover="").distinct()
    for walk in waiting.order_by("-walked_on")[:3]:
        items.append(
            HomeItem(
                text=f"有问题待交办:{walk.service}",
                url=walk.get_absolute_url(),
                badge="待交办",
                level="danger",
            )
        )
    return HomeSection(title="领导干部走流程", items=items, order=60)
