"""Read queries for case pages. Every list starts from ``visible_to``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from audit.models import AuditEvent
from core import keyset
from core.keyset import Key
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


# The workbench's orderings, ending with the primary key so that keyset pagination
# (``core.keyset``) gives every row one place.
NEWEST_FIRST = (Key("created_at", descending=True, kind="datetime"), Key("pk", descending=True))
# Queues of open cases: running clocks first, the most urgent on top (NULLS LAST on every
# database), then the rest.
MOST_URGENT_FIRST = (Key("due_at", nulls_last=True, kind="datetime"), *NEWEST_FIRST)


def workbench_keys(filters: CaseFilters) -> tuple[Key, ...]:
    # 全部 (and closed/rejected statuses, searches): newest first. A closed case's hidden
    # callback clock must not lift months-old cases to the top.
    return MOST_URGENT_FIRST if filters.work_queue else NEWEST_FIRST


def workbench_where(user, filters: CaseFilters, now) -> Q:
    """The filters of the workbench as conditions on the case itself (pushed into every
    visibility branch by ``visible_to``)."""
    where = Q()
    if filters.requests:
        # 待审批: requests this user may decide (延期/挂账/重办 by dispatch, 认定 by supervise).
        decidable = CaseRequest.objects.none()
        for action in set(DECIDER_ACTION.values()):
            kinds = [kind for kind, needed in DECIDER_ACTION.items() if needed == action]
            decidable = decidable | CaseRequest.objects.visible_to(user, action).filter(kind__in=kinds)
        where &= Q(pk__in=decidable.filter(status=RequestStatus.PENDING).values("case_id"))
    if filters.status:
        where &= Q(status=filters.status)
    if filters.district:
        # Placed at the district itself: no grid, community or street could be found.
        where &= Q(status__in=OPEN_STATUSES, street__isnull=True, community__isnull=True, grid__isnull=True)
    if filters.overdue:
        where &= Q(status__in=OPEN_STATUSES, due_at__lt=now)
    if filters.area is not None:
        from orgs.scoping import subtree_q

        where &= subtree_q("org_path", filters.area.path)
    if filters.category_id:
        where &= Q(category_id=filters.category_id) | Q(category__parent_id=filters.category_id)
    text = filters.q.strip()
    if text:
        where &= search_q(text)
    return where


def workbench(user, filters: CaseFilters):
    now = timezone.now()
    where = workbench_where(user, filters, now)
    if filters.mine:
        # The user's units' active assignments already make a case visible: no need for the
        # visibility branches. Only open cases have active assignments.
        mine = CaseAssignment.objects.visible_to(user, "handle")
        if filters.mine == "pending":
            mine = mine.filter(status=AssignmentStatus.PENDING)
        elif filters.mine == "signed":
            mine = mine.filter(status=AssignmentStatus.SIGNED)
        elif filters.mine == "overdue":
            mine = mine.filter(status=AssignmentStatus.SIGNED, handle_due_at__lt=now)
        cases = Case.objects.open().filter(pk__in=mine.values("case_id")).filter(where)
    elif filters.work_queue and where and not filters.overdue:
        # Scope first: a queue's filters (open cases only) go into each visibility branch
        # (``CaseQuerySet.scope_q``), so it costs what the user's open cases cost. Not for 已逾期:
        # at 5M cases its assignment branch read a department's past assignments (bumen p50
        # 156 ms against 32 ms row by row; bench/README.md "5M"), while the overdue cases are
        # few and found from the ``case_open_due`` index.
        cases = Case.objects.visible_to(user, where=where)
    else:
        # 全部, closed statuses, searches: newest first, walked in created_at order.
        cases = Case.objects.visible_to(user).filter(where)
    cases = cases.select_related("category", "org", "lead_unit")
    return cases.order_by(*keyset.order_by(workbench_keys(filters)))


def workbench_count(user, filters: CaseFilters, cap: int) -> int:
    """The workbench's count, up to ``cap`` + 1 (shown as "1000+")."""
    if filters.mine or filters.work_queue or filters.q.strip():
        # The queues: open cases only, scope first already (``workbench``). Searches: the text
        # match is no index range; the row-by-row count stops as early as the branches would.
        return workbench(user, filters).order_by()[: cap + 1].count()
    # 全部 and closed statuses: the visibility branches read in index order until the cap.
    where = workbench_where(user, filters, timezone.now())
    return Case.objects.visible_count(user, where=where or None, cap=cap)


@dataclass
class WorkbenchPage:
    """One page of the workbench found by keyset: ``rows`` and the cursors around them."""

    rows: list[Case]
    has_next: bool
    has_previous: bool
    next_cursor: str = ""
    previous_cursor: str = ""


def workbench_page(
    user, filters: CaseFilters, *, after: str = "", before: str = "", size: int = 50
) -> WorkbenchPage:
    """The page after the cursor ``after`` (or before ``before``; the first page without
    either). A cursor that does not decode for this ordering gives the first page."""
    keys = workbench_keys(filters)
    cases = workbench(user, filters)
    backwards = False
    try:
        if before:
            cases = cases.order_by(*keyset.order_by(keyset.reverse(keys)))
            cases = cases.filter(keyset.after_q(keyset.reverse(keys), keyset.decode(keys, before)))
            backwards = True
        elif after:
            cases = cases.filter(keyset.after_q(keys, keyset.decode(keys, after)))
    except ValueError:
        cases, backwards, after = workbench(user, filters), False, ""
    rows = list(cases[: size + 1])
    if not rows and (after or backwards):  # the rows around the cursor are gone: start again
        return workbench_page(user, filters, size=size)
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        has_previous, has_next = more, True
    else:
        has_previous, has_next = bool(after), more
    return WorkbenchPage(
        rows=rows,
        has_next=has_next,
        has_previous=has_previous,
        next_cursor=keyset.encode(keys, keyset.values_of(rows[-1], keys)) if rows else "",
        previous_cursor=keyset.encode(keys, keyset.values_of(rows[0], keys)) if rows else "",
    )


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
