"""Read queries for case pages. Every list starts from ``visible_to``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from audit.models import AuditEvent
from orgs.models import Org

from .models import (
    DECIDER_ACTION,
    OPEN_STATUSES,
    AssignmentStatus,
    Case,
    CaseAssignment,
    CaseRequest,
    CaseStatus,
    RequestStatus,
    Responsibility,
    Stage,
)

OPEN_STATUS_VALUES = frozenset(str(status) for status in OPEN_STATUSES)


def visible_case(user, number: str, action: str = "view") -> Case:
    queryset = Case.objects.visible_to(user, action).select_related(
        "category", "org", "grid", "community", "street", "lead_unit", "merged_into"
    )
    return get_object_or_404(queryset, number=number)


def public_case(number: str, token: str) -> Case:
    """A case for the public tracking page: the number and its unguessable token must match."""
    case = get_object_or_404(Case.objects.select_related("category"), number=number)
    if not case.token_matches(token):
        from django.http import Http404

        raise Http404
    return case


@dataclass
class CaseFilters:
    status: str = ""
    overdue: bool = False
    mine: str = ""  # pending / signed / overdue: the user's units' assignments
    q: str = ""
    area: Org | None = None
    category_id: int | None = None
    requests: bool = False  # cases with a request this user may decide (待审批)
    district: bool = False  # 区级待办: open cases without a street (address only), at the district

    @property
    def work_queue(self) -> bool:
        """A tab of cases waiting for someone (sorted by urgency), not the whole history."""
        return bool(self.mine or self.requests or self.overdue or self.district) or (
            self.status in OPEN_STATUS_VALUES
        )


def dispatches_at_district(user) -> bool:
    """The user dispatches at a district node (区综治中心/区12345): the district queue is theirs."""
    from orgs.scoping import ALL, scope_paths

    paths = scope_paths(user, "dispatch")
    if paths is ALL:  # superusers: no default queue of their own
        return False
    return any(len(path) == Org.steplen for path in paths or ())


def workbench(user, filters: CaseFilters):
    now = timezone.now()
    if filters.mine:
        # The user's units' active assignments already make a case visible: no need for the
        # (expensive) visibility OR. Only open cases have active assignments.
        mine = CaseAssignment.objects.visible_to(user, "handle")
        if filters.mine == "pending":
            mine = mine.filter(status=AssignmentStatus.PENDING)
        elif filters.mine == "signed":
            mine = mine.filter(status=AssignmentStatus.SIGNED)
        elif filters.mine == "overdue":
            mine = mine.filter(status=AssignmentStatus.SIGNED, handle_due_at__lt=now)
        cases = Case.objects.open().filter(pk__in=mine.values("case_id"))
    else:
        cases = Case.objects.visible_to(user)
    cases = cases.select_related("category", "org", "lead_unit")
    if filters.requests:
        # 待审批: requests this user may decide (延期/挂账/重办 by dispatch, 认定 by supervise).
        decidable = CaseRequest.objects.none()
        for action in set(DECIDER_ACTION.values()):
            kinds = [kind for kind, needed in DECIDER_ACTION.items() if needed == action]
            decidable = decidable | CaseRequest.objects.visible_to(user, action).filter(kind__in=kinds)
        cases = cases.filter(pk__in=decidable.filter(status=RequestStatus.PENDING).values("case_id"))
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.district:
        # Placed at the district itself: no grid, community or street could be found.
        cases = cases.open().filter(street__isnull=True, community__isnull=True, grid__isnull=True)
    if filters.overdue:
        cases = cases.overdue(now)
    if filters.area is not None:
        from orgs.scoping import subtree_q

        cases = cases.filter(subtree_q("org_path", filters.area.path))
    if filters.category_id:
        cases = cases.filter(Q(category_id=filters.category_id) | Q(category__parent_id=filters.category_id))
    text = filters.q.strip()
    if text:
        cases = cases.filter(search_q(text))
    if not filters.work_queue:
        # 全部 (and closed/rejected statuses, searches): newest first. A closed case's hidden
        # callback clock must not lift months-old cases to the top.
        return cases.order_by("-created_at", "-pk")
    # Queues of open cases: running clocks first, the most urgent on top (NULLS LAST on every
    # database), then the rest.
    return cases.order_by(F("due_at").asc(nulls_last=True), "-created_at")


def search_q(text: str) -> Q:
    """The list's search box: number, title, address, or the 12345 ticket number (工单号)."""
    return (
        Q(number__icontains=text)
        | Q(title__icontains=text)
        | Q(address__icontains=text)
        | Q(ticket_number=text)
    )


def callback_queue(user):
    """回访 queue: closed cases whose callback is due and not yet done, oldest due first."""
    return (
        Case.objects.visible_to(user, "callback")
        .filter(status=CaseStatus.CLOSED, stage=Stage.CALLBACK)
        .select_related("category", "org", "lead_unit")
        .order_by(F("due_at").asc(nulls_last=True), "pk")
    )


def my_assignments(user, case: Case):
    """The assignments of ``case`` the user may act on as a handling unit."""
    return [a for a in case.assignments.select_related("org") if a.is_active and _can_handle(user, a)]


def _can_handle(user, assignment) -> bool:
    from orgs.scoping import can

    return can(user, "handle", assignment.org)


def suggest_units(case: Case, limit: int = 5) -> list[Org]:
    """Dispatch suggestions from the responsibility list (category × area → unit): the most
    specific area containing the case first, exact 小类 before its 大类."""
    if case.category_id is None or case.category is None:
        return []
    categories = [case.category_id] + ([case.category.parent_id] if case.category.parent_id else [])
    rows = Responsibility.objects.filter(
        active=True, category_id__in=categories, unit__archived_at__isnull=True
    ).select_related("unit")
    matching = [r for r in rows if case.org_path.startswith(r.org_path)]
    matching.sort(key=lambda r: (-len(r.org_path), categories.index(r.category_id)))
    units, seen = [], set()
    for row in matching:
        if row.unit_id not in seen:
            seen.add(row.unit_id)
            units.append(row.unit)
    return units[:limit]


def timeline(case: Case, *, public: bool = False) -> list[AuditEvent]:
    events = list(AuditEvent.objects.for_subject(case).select_related("actor", "actor_org").order_by("seq"))
    if public:
        # The public page shows what happened and when, never who or internal notes.
        return [e for e in events if (e.after or {}).get("public_note")]
    return events
