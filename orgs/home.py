"""Home-page sections from the org forest: my scope, vacant secretaries, grids without a worker."""

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from core.home import HomeItem, HomeSection, provider

from .models import PARTY_KINDS, Org, Position, PositionKind, RoleGrant
from .roles import Role
from .scoping import has_scope

SHOWN = 8


@provider
def my_scope(user):
    grants = RoleGrant.objects.current().filter(user=user).select_related("org").order_by("org_path")
    items = []
    for grant in grants:
        if grant.role in (Role.RESIDENT, Role.PARTY_MEMBER):  # no scope: they see only their own
            continue
        items.append(
            HomeItem(
                f"{grant.get_role_display()} · {grant.org.name}", reverse("orgs:detail", args=[grant.org_id])
            )
        )
    if user.is_superuser and not items:
        items.append(HomeItem("超级管理员:可查看和管理全部数据", reverse("admin:index")))
    if not items:
        return None
    return HomeSection("我的职责范围", items, order=10)


def _vacant(queryset, kinds, position_kind):
    holder = Position.objects.current().filter(org=OuterRef("pk"), kind=position_kind)
    return queryset.filter(kind__in=kinds, archived_at__isnull=True).exclude(Exists(holder))


def _vacancy_section(title, vacant, *, what, level, empty_text, order):
    """A section listing the first few vacant orgs, with the total."""
    total = vacant.count()
    items = [
        HomeItem(f"{org.name} {what}", reverse("orgs:detail", args=[org.pk]), level=level)
        for org in vacant[:SHOWN]
    ]
    if total > SHOWN:
        items.append(HomeItem(f"……另有 {total - SHOWN} 个{what}", level=level))
    return HomeSection(title.format(total=total), items, empty_text=empty_text, order=order)


@provider
def vacant_secretaries(user):
    """书记配备不到位: party organizations in scope with no current secretary."""
    if not has_scope(user, "change"):
        return None
    party_orgs = Org.objects.visible_to(user, "change")
    if not party_orgs.filter(kind__in=PARTY_KINDS).exists():
        return None
    vacant = _vacant(
        party_orgs,
        ("party_committee", "working_committee", "general_branch", "branch"),
        PositionKind.SECRETARY,
    )
    return _vacancy_section(
        "书记空缺的党组织({total})",
        vacant,
        what="书记空缺",
        level="danger",
        empty_text="范围内所有党组织均已配备书记",
        order=20,
    )


@provider
def grids_without_worker(user):
    if not has_scope(user, "view"):
        return None
    grids = Org.objects.visible_to(user).filter(kind="grid")
    count = grids.count()
    if count == 0:
        return None
    vacant = _vacant(grids, ("grid",), PositionKind.GRID_WORKER)
    return _vacancy_section(
        f"网格员配备({count} 个网格)",
        vacant,
        what="未配备网格员",
        level="warning",
        empty_text="范围内每个网格都已配备网格员",
        order=30,
    )


@provider
def my_grid(user):
    """A grid worker's own grid(s)."""
    grids = Org.objects.filter(
        pk__in=Position.objects.current()
        .filter(person__user=user, kind=PositionKind.GRID_WORKER)
        .values("org_id")
    )
    items = [
        HomeItem(f"{grid.name}:{grid.households or '—'} 户", reverse("orgs:detail", args=[grid.pk]))
        for grid in grids
    ]
    if not items:
        return None
    items.append(HomeItem(f"今天是 {timezone.localdate():%Y年%m月%d日},请按计划巡查网格,发现问题及时上报"))
    return HomeSection("我的网格", items, order=5)


@provider
def my_community(user):
    """A resident's community and whom to contact there."""
    grant = RoleGrant.objects.current().filter(user=user, role=Role.RESIDENT).select_related("org").first()
    if grant is None:
        return None
    staff = Position.objects.current().filter(org=grant.org).select_related("person").order_by("kind")[:SHOWN]
    items = [HomeItem(f"{p.title or p.get_kind_display()}:{p.person.name}") for p in staff]
    if grant.org.phone:
        items.append(HomeItem(f"社区电话:{grant.org.phone}"))
    return HomeSection(f"我的社区 · {grant.org.name}", items, empty_text="社区工作人员信息暂未登记", order=5)
