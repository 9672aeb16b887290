"""The menu entry of cadre supervision: shown to holders of the 干部监督人员 grant only."""

from django.urls import reverse

from core.navigation import entries

from . import access


@entries(order=450)
def cadres_nav(user) -> list[dict]:
    if not access.is_holder(user):
        return []
    return [{"label": "干部监督", "url": reverse("cadres:index"), "key": "cadres"}]
