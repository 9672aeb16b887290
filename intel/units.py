"""责任单位建议 (unit suggestions): the responsibility list (责任清单, category × area → unit)
combined with the units that *finally* handled similar past cases.

"Similar past case": closed in the last ``DAYS`` days, same 小类 (the case's category, or before
registration the top suggested one), in the same district. "Finally handled": the lead assignment
(主办) that gave the feedback the case was closed on — after any returns (退单) and re-dispatches
(改派), so a unit that returned the case and had the return upheld does not count; such upheld
returns count against the unit instead.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import Count

from core import clock

DAYS = 90
LIST_FIRST, LIST_OTHER = 1.0, 0.6  # weight of the most specific 责任清单 unit, of the others
RETURN_PENALTY = 0.5


@dataclass
class UnitSuggestion:
    unit: object  # orgs.Org
    score: float
    reasons: list[str] = field(default_factory=list)
    in_list: bool = False
    handled: int = 0
    returned: int = 0

    @property
    def reason(self) -> str:
        return ";".join(self.reasons)


def _category_for(case):
    """(category, how it was chosen) for the lookup: the case's own, else the top suggestion."""
    if case.category_id:
        return case.category, ""
    from .classify import suggest_case

    top = suggest_case(case, k=1)
    if not top:
        return None, ""
    return top[0].category, f"按建议分类“{top[0].category.name}”"


def suggest_units(case, user=None, *, k: int = 3, days: int = DAYS) -> list[UnitSuggestion]:
    """Top ``k`` units for dispatching ``case``, with their reasons, best first.

    The past cases counted are those ``user`` may see (all when ``user`` is None)."""
    from cases import selectors as case_selectors
    from cases.models import AssignmentRole, AssignmentStatus, CaseAssignment, CaseStatus
    from orgs.models import Org

    category, chosen = _category_for(case)
    if category is None:
        return []
    found: dict[int, UnitSuggestion] = {}

    probe = SimpleNamespace(category_id=category.pk, category=category, org_path=case.org_path)
    for rank, unit in enumerate(case_selectors.suggest_units(probe)):
        entry = found.setdefault(unit.pk, UnitSuggestion(unit, 0.0))
        entry.in_list = True
        entry.score += LIST_FIRST if rank == 0 else LIST_OTHER
        entry.reasons.append(f"责任清单:{category.name}" + ("(最具体)" if rank == 0 else ""))

    since = clock.now() - datetime.timedelta(days=days)
    district = case.org_path[: Org.steplen]
    from cases.models import Case

    past = (
        (Case.objects.visible_to(user, "view") if user is not None else Case.objects.all())
        .filter(category_id=category.pk, org_path__startswith=district)
        .exclude(pk=case.pk)
    )
    lead = CaseAssignment.objects.filter(role=AssignmentRole.LEAD, org__archived_at__isnull=True)
    handled = dict(
        lead.filter(
            status=AssignmentStatus.FED_BACK,
            case__in=past.filter(status=CaseStatus.CLOSED, closed_at__gte=since),
        )
        .values_list("org_id")
        .annotate(n=Count("case_id", distinct=True))
        .values_list("org_id", "n")
    )
    returned = dict(
        lead.filter(
            status=AssignmentStatus.RETURNED,
            return_upheld=True,
            returned_at__gte=since,
            case__in=past,
        )
        .values_list("org_id")
        .annotate(n=Count("case_id", distinct=True))
        .values_list("org_id", "n")
    )
    total = sum(handled.values())
    units = Org.objects.in_bulk(set(handled) | set(returned))
    for org_id, n in sorted(handled.items(), key=lambda item: -item[1]):
        entry = found.setdefault(org_id, UnitSuggestion(units[org_id], 0.0))
        entry.handled = n
        entry.score += n / total
        entry.reasons.append(f"近{days}天相似事项{n}件由{units[org_id].name}办结")
    for org_id, n in returned.items():
        if org_id not in found:
            continue  # a unit only known for returning such cases is not suggested
        entry = found[org_id]
        entry.returned = n
        entry.score -= RETURN_PENALTY * n / (n + entry.handled)
        entry.reasons.append(f"近{days}天相似事项退单成立{n}件")
    ranked = sorted(found.values(), key=lambda s: (-s.score, not s.in_list, s.unit.path))
    for entry in ranked:
        entry.score = round(entry.score, 3)
        if chosen:
            entry.reasons.insert(0, chosen)
    return ranked[:k]
