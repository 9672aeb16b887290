"""Home-page section: probationary members whose year of probation ends soon (预备期满)."""

import datetime

from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from core.home import HomeItem, HomeSection, provider
from orgs.scoping import has_scope

from .models import Member, MemberCategory

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
