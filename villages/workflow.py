"""The 四议两公开 item workflow's transition table.

An item (``Decision``) moves through six steps in a fixed order (``models.ORDER``); its state for
this table is the step due next (``next_step``), or ``complete``. The first step (党组织提议)
creates the item; each later step is one action, allowed only when it is the next one, to the
village's own staff or whoever acts for a party organization built in the village (``may_act``).
``services.record_step`` refuses through this table, the item page shows the step form from it
and the API answers ``GET /villages/decisions/{id}/actions`` from it.
"""

from __future__ import annotations

from core.transitions import Workflow, permitted, transition
from orgs.models import PARTY_KINDS, Org
from orgs.scoping import ALL, can, scope_paths, under_paths

from .models import ORDER, Decision, StepKind

COMPLETE = "complete"
STATE_LABELS = {**{k: f"待{StepKind(k).label}" for k in ORDER}, COMPLETE: "已完成全部步骤"}


def may_act(actor, village: Org, action: str = "change") -> bool:
    """The village's own staff (a role over the village) or whoever acts for a party organization
    built in the village (its secretary, the township committee, the organization department)."""
    return permitted(actor, lambda: _acts_for(actor, village, action))


def _acts_for(actor, village: Org, action: str) -> bool:
    if can(actor, action, village):
        return True
    paths = scope_paths(actor, action)
    party = Org.objects.filter(host=village, kind__in=PARTY_KINDS)
    return paths is ALL or party.filter(under_paths(paths, "path")).exists()


def next_step(decision: Decision) -> str:
    return decision.next_kind or COMPLETE


def _step(kind: str):
    return transition(
        kind,
        StepKind(kind).label,
        [kind],
        permission=lambda actor, decision: may_act(actor, decision.org),
        denied="无权办理该村的四议两公开事项",
        endpoint="/villages/decisions/{pk}/steps",
    )


DECISIONS = Workflow(
    "village items",
    [_step(kind) for kind in ORDER[1:]],
    role_check=can,
    status=next_step,
    status_label=lambda decision: STATE_LABELS[next_step(decision)],
    url_args=lambda decision: {"pk": decision.pk},
)
