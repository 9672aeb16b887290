"""Menu items of the party app (registered with ``core.navigation``)."""

from django.urls import reverse

from core.navigation import entries
from orgs.scoping import has_scope
from party import scope


@entries(order=400)
def party_nav(user) -> list[dict]:
    """组织生活 for secretaries of a branch, 党建考评 for whoever sees party committees."""
    if not has_scope(user, "view"):
        return []
    items = []
    branches = scope.branches_for_secretary(user, limit=2)
    if branches:
        url = (
            reverse("party:org", args=[branches[0].pk]) if len(branches) == 1 else reverse("party:dashboard")
        )
        items.append({"label": "组织生活", "url": url, "key": "party_branch"})
        talks = (
            reverse("party:talks", args=[branches[0].pk])
            if len(branches) == 1
            else reverse("party:dashboard")
        )
        items.append({"label": "谈心谈话", "url": talks, "key": "party_talks"})
    if scope.party_orgs(user).exclude(kind__in=("branch", "group")).exists():
        items.append({"label": "党建考评", "url": reverse("party:dashboard"), "key": "party_dashboard"})
    if branches:
        items.append(
            {
                "label": "发展党员",
                "url": reverse("party:development_board", args=[branches[0].pk])
                if len(branches) == 1
                else reverse("party:development_overview"),
                "key": "party_development",
            }
        )
    elif scope.party_orgs(user).exclude(kind__in=("branch", "group")).exists():
        items.append(
            {"label": "发展党员", "url": reverse("party:development_overview"), "key": "party_development"}
        )
    if scope.party_orgs(user, "change").filter(kind__in=("party_committee", "working_committee")).exists():
        url = reverse("party:development_committee")
        items.append({"label": "报批事项", "url": url, "key": "party_committee_queue"})
    # 书记抓基层党建工作述职评议考核: organizers, reporting secretaries and raters.
    if scope.party_orgs(user).exclude(kind="group").exists():
        items.append({"label": "述职评议", "url": reverse("party:duty_review"), "key": "party_duty_review"})
    # 理论学习中心组: whoever sees a 党委/党工委/党组.
    if (
        scope.party_orgs(user)
        .filter(kind__in=("party_committee", "working_committee", "leading_group"))
        .exists()
    ):
        items.append({"label": "中心组学习", "url": reverse("party:study_group"), "key": "party_study_group"})
    return items


@entries(order=410)
def member_nav(user) -> list[dict]:
    """我的党员信息 for an account linked to a member record (党员, ``/party/me/``)."""
    if not getattr(user, "is_authenticated", False):
        return []
    from party.membership.models import Member

    if not Member.objects.filter(person__user=user).exists():
        return []
    return [{"label": "我的党员信息", "url": reverse("party:me"), "key": "party_me"}]
