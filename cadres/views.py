"""Pages of cadre supervision (干部监督). Holders of an explicit 干部监督人员 grant only: everyone
else (superusers, administrators, the organization department) gets 404 on every page.

Opening a file asks for the purpose first (``services.open_file``, audited); the file then stays
open in this session for ``OPEN_MINUTES`` (its forms return to it). The 8小时以外 section is
collapsed on the file page and shown only after a second purpose prompt (``reveal_offhours``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import kit
from core.errors import ServiceError
from core.ledger import xlsx_response

from . import access, exports, selectors, services
from .forms import (
    AccountabilityDecisionForm,
    AdjustmentForm,
    FileForm,
    InspectionForm,
    PurposeForm,
    RevokeForm,
)
from .models import CadreFile, GroundKind

OPEN_MINUTES = 30
SESSION_KEY = "cadres_open"
YEARS_SHOWN = 5


def _holder(request) -> None:
    if not access.is_holder(request.user):
        raise Http404


def _file(request, pk: int) -> CadreFile:
    _holder(request)
    file = selectors.file_for(request.user, pk)
    if file is None:
        raise Http404
    return file


def _is_open(request, file: CadreFile) -> bool:
    opened = request.session.get(SESSION_KEY, {}).get(str(file.pk))
    return opened is not None and timezone.now().timestamp() - opened < OPEN_MINUTES * 60


def _mark_open(request, file: CadreFile) -> None:
    now = timezone.now().timestamp()
    opened = {k: v for k, v in request.session.get(SESSION_KEY, {}).items() if now - v < OPEN_MINUTES * 60}
    opened[str(file.pk)] = now
    request.session[SESSION_KEY] = opened


def _open_file(request, pk: int) -> CadreFile:
    """A file this session opened with a purpose; otherwise 404 (the forms are reached from it)."""
    file = _file(request, pk)
    if not _is_open(request, file):
        raise Http404
    return file


@login_required
def index(request):
    _holder(request)
    rows = list(selectors.files(request.user))
    context = {
        "files": rows,
        "organizations": list(selectors.organization_decisions(request.user)[:20]),
        "active_nav": "cadres",
    }
    return render(request, "cadres/index.html", context)


@login_required
def file_new(request):
    _holder(request)
    query = (request.GET.get("q") or request.POST.get("q") or "").strip()
    people = selectors.candidates(request.user, query)
    units = list(selectors.units(request.user).order_by("path")[:500])
    form = FileForm(request.POST or None, people=people, units=units)
    if request.method == "POST" and form.is_valid():
        person = next(p for p in people if p.pk == form.cleaned_data["person"])
        org = next(o for o in units if o.pk == form.cleaned_data["org"])
        try:
            file = services.create_file(
                person,
                org,
                actor=request.user,
                rank=form.cleaned_data["rank"],
                post=form.cleaned_data["post"],
            )
        except ServiceError as error:
            form.attach(error)
        else:
            _mark_open(request, file)
            messages.success(request, f"已建立 {person.name} 的干部档案")
            return redirect("cadres:file", file.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "q": query, "people": people, "active_nav": "cadres"}
    return render(request, "cadres/file_new.html", context, status=status)


@login_required
def file_detail(request, pk: int):
    file = _file(request, pk)
    if not _is_open(request, file):
        return render(
            request, "cadres/purpose.html", {"file": file, "form": PurposeForm(), "active_nav": "cadres"}
        )
    log = selectors.read_log(file)
    context = {
        "file": file,
        "posts": selectors.current_posts(file),
        "inspections": list(file.inspections.live().order_by("-held_on", "-pk")),
        "adjustments": list(file.adjustments.live().select_related("ground").order_by("-decided_on", "-pk")),
        "decisions": list(
            file.accountabilities.live().select_related("ground").order_by("-decided_on", "-pk")
        ),
        "reads": [e for e in log if selectors.is_read(e)],
        "history": [e for e in log if not selectors.is_read(e)],
        "active_nav": "cadres",
    }
    return render(request, "cadres/file.html", context)


@login_required
@require_POST
def file_open(request, pk: int):
    file = _file(request, pk)
    form = PurposeForm(request.POST)
    if form.is_valid():
        try:
            services.open_file(file, actor=request.user, purpose=form.cleaned_data["purpose"])
        except ServiceError as error:
            form.attach(error)
        else:
            _mark_open(request, file)
            return redirect("cadres:file", file.pk)
    context = {"file": file, "form": form, "active_nav": "cadres"}
    return render(request, "cadres/purpose.html", context, status=400)


@login_required
@require_POST
def offhours(request, pk: int):
    """htmx: the 8小时以外 section after its own purpose (recorded apart from the opening)."""
    file = _open_file(request, pk)
    try:
        inspections = services.reveal_offhours(
            file, actor=request.user, purpose=request.POST.get("purpose", "")
        )
    except ServiceError as error:
        return render(request, "cadres/_offhours.html", {"file": file, "error": error}, status=400)
    return render(request, "cadres/_offhours.html", {"file": file, "inspections": inspections, "shown": True})


def _form_page(request, file, form, template, save):
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ServiceError as error:
            form.attach(error)
        else:
            return redirect("cadres:file", file.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"file": file, "form": form, "active_nav": "cadres"}, status=status)


@login_required
def inspection_new(request, pk: int):
    file = _open_file(request, pk)
    form = InspectionForm(request.POST or None, initial={"held_on": kit.today()})

    def save(data):
        services.record_inspection(file, actor=request.user, data=data)
        messages.success(request, "已登记干部考察")

    return _form_page(request, file, form, "cadres/inspection_new.html", save)


@login_required
def adjustment_new(request, pk: int):
    file = _open_file(request, pk)
    grounds = list(selectors.grounds(GroundKind.UNSUITABLE))
    form = AdjustmentForm(request.POST or None, grounds=grounds, initial={"decided_on": kit.today()})

    def save(data):
        ground = next((g for g in grounds if g.pk == data["ground"]), None)
        services.record_adjustment(
            file,
            actor=request.user,
            kind=data["kind"],
            decided_on=data["decided_on"],
            ground=ground,
            method=data["method"],
            new_post=data["new_post"],
            facts=data["facts"],
        )
        messages.success(request, "已登记能上能下调整")

    return _form_page(request, file, form, "cadres/adjustment_new.html", save)


@login_required
def accountability_new(request, pk: int):
    file = _open_file(request, pk)
    grounds = list(selectors.grounds(GroundKind.ACCOUNTABILITY))
    form = AccountabilityDecisionForm(
        request.POST or None, grounds=grounds, initial={"decided_on": kit.today()}
    )

    def save(data):
        services.record_accountability(
            actor=request.user,
            file=file,
            form=data["form"],
            ground=next((g for g in grounds if g.pk == data["ground"]), None),
            decided_on=data["decided_on"],
            decided_by=data["decided_by"],
            facts=data["facts"],
        )
        messages.success(request, "已登记问责决定")

    return _form_page(request, file, form, "cadres/accountability_new.html", save)


@login_required
def organization_accountability_new(request):
    """问责 of a party organization (检查、通报、改组): no file, filed under the host unit."""
    _holder(request)
    grounds = list(selectors.grounds(GroundKind.ACCOUNTABILITY))
    orgs = list(selectors.party_orgs(request.user)[:1000])
    form = AccountabilityDecisionForm(
        request.POST or None, grounds=grounds, party_orgs=orgs, initial={"decided_on": kit.today()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_accountability(
                actor=request.user,
                org=next(o for o in orgs if o.pk == data["party_org"]),
                form=data["form"],
                ground=next((g for g in grounds if g.pk == data["ground"]), None),
                decided_on=data["decided_on"],
                decided_by=data["decided_by"],
                facts=data["facts"],
            )
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, "已登记对党组织的问责决定")
            return redirect("cadres:index")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "organization": True, "active_nav": "cadres"}
    return render(request, "cadres/accountability_new.html", context, status=status)


@login_required
@require_POST
def revoke(request, pk: int, kind: str, record_pk: int):
    file = _open_file(request, pk)
    model = services.REVOCABLE.get(kind)
    if model is None or not model.objects.visible_to(request.user).filter(pk=record_pk, file=file).exists():
        raise Http404
    form = RevokeForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError("请填写撤销原因", field="reason")
        services.revoke_record(kind, record_pk, actor=request.user, reason=form.cleaned_data["reason"])
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已撤销该记录")
    return redirect("cadres:file", file.pk)


@login_required
@require_POST
def file_revoke(request, pk: int):
    file = _open_file(request, pk)
    try:
        services.revoke_file(file, actor=request.user, reason=request.POST.get("reason", ""))
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("cadres:file", file.pk)
    messages.success(request, "已撤销该干部档案")
    return redirect("cadres:index")


def _year(request) -> int:
    today = kit.today()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError as error:
        raise Http404 from error
    if not today.year - 10 <= year <= today.year:
        raise Http404
    return year


@login_required
def statistics(request):
    _holder(request)
    year = _year(request)
    today = kit.today()
    context = {
        "stats": selectors.statistics(request.user, year),
        "year": year,
        "years": list(range(today.year, today.year - YEARS_SHOWN, -1)),
        "up_labels": [k.label for k in selectors.UP_COLUMNS],
        "up_keys": list(selectors.UP_COLUMNS),
        "active_nav": "cadres",
    }
    return render(request, "cadres/statistics.html", context)


@login_required
def statistics_xlsx(request):
    _holder(request)
    year = _year(request)
    unit = exports.unit_of(request.user)
    if unit is None:
        raise Http404
    services.note_export(unit, year, actor=request.user)
    data = exports.statistics_bytes(
        selectors.statistics(request.user, year), unit=unit.name, maker=request.user
    )
    return xlsx_response(data, f"领导干部能上能下情况统计表({year}年).xlsx")
