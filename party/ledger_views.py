"""Downloads of a branch's 台账 (发展党员工作台账, 三会一课台账): scoped like the pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404

from core import kit
from core.ledger import xlsx_response
from party import ledgers
from party.scope import party_org


def _branch(user, pk):
    org = party_org(user, pk)
    if org.kind != "branch":
        raise Http404
    return org


@login_required
def development_export(request, pk):
    branch = _branch(request.user, pk)
    today = kit.today()
    data = ledgers.development_workbook(request.user, branch, today)
    return xlsx_response(data, f"{branch.name}发展党员工作台账-{today:%Y%m%d}.xlsx")


@login_required
def meetings_export(request, pk):
    branch = _branch(request.user, pk)
    today = kit.today()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError as error:
        raise Http404 from error
    if not 2000 <= year <= today.year + 1:
        raise Http404
    data = ledgers.meetings_workbook(request.user, branch, year, today)
    return xlsx_response(data, f"{branch.name}{year}年三会一课台账.xlsx")
