"""导出Excel of the case list: the list page's filters, the same scoped ``selectors.workbench``
query, laid out as a 台账 (``core.ledger``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404

from core import kit
from core.ledger import xlsx_response
from orgs.selectors import ledger_signature

from . import forms, selectors
from .exports import MAX_CASE_ROWS, case_list_workbook
from .models import CaseStatus, Category
from .views import is_case_staff


def list_filters(query) -> tuple[selectors.CaseFilters, str]:
    """The case list's filters from its query string (as the list page reads them), and a
    description of them for the ledger's note row."""
    filters = forms.FilterForm(query or None).case_filters()
    return filters, describe(filters)


MINE_LABELS = {"pending": "本单位待签收", "signed": "本单位处置中", "overdue": "本单位处置逾期"}


def describe(filters: selectors.CaseFilters) -> str:
    parts = []
    if filters.mine:
        parts.append(MINE_LABELS.get(filters.mine, ""))
    if filters.requests:
        parts.append("待审批")
    if filters.district:
        parts.append("区级待办(无网格)")
    if filters.status:
        parts.append(f"状态:{CaseStatus(filters.status).label}")
    if filters.overdue:
        parts.append("已逾期")
    if filters.category_id:
        category = Category.objects.filter(pk=filters.category_id).select_related("parent").first()
        if category:
            parts.append(f"分类:{category}")
    if filters.q.strip():
        parts.append(f"搜索:{filters.q.strip()}")
    return ";".join(p for p in parts if p)


@login_required
def case_export(request):
    if not is_case_staff(request.user):
        raise Http404  # residents use the public portal
    filters, described = list_filters(request.GET)
    cases = selectors.workbench(request.user, filters).select_related("category__parent")
    total = cases.count()
    unit, maker = ledger_signature(request.user)
    day = kit.today()
    data = case_list_workbook(
        cases[:MAX_CASE_ROWS].iterator(chunk_size=1000),
        total=total,
        filters=described,
        unit=unit,
        maker=maker,
        made_on=day,
    )
    return xlsx_response(data, f"网格事项台账-{day:%Y%m%d}.xlsx")
