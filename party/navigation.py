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
    branches = scope.branches_for_secretary(user)
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
    # 理论学习中心组: whoever sees a 党委/党工委/党组.
    if (
        scope.party_orgs(user)
        .filter(kind__in=("party_committee", "working_committee", "leading_group"))
        .exists()
    ):
        items.append({"label": "中心组学习", "url": reverse("party:study_group"), "key": "party_study_group"})
    return items
