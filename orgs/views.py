"""Org tree browser, org pages and people pages. Thin: parse, scope, call a selector or service."""

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import ServiceError

from . import selectors, services
from .imports import IMPORTERS, ImportRejected, template_workbook
from .models import Person
from .scoping import can, has_scope


def _require_some_scope(user) -> None:
    if not has_scope(user, "view"):
        raise Http404


@login_required
def tree(request):
    _require_some_scope(request.user)
    text = request.GET.get("q", "").strip()
    context = {"roots": selectors.scope_roots(request.user), "q": text}
    if text:
        context["results"] = selectors.search_orgs(request.user, text)
    if request.htmx.target == "search-results":
        return render(request, "orgs/_search_results.html", context)
    return render(request, "orgs/tree.html", context)


@login_required
def org_children(request, pk: int):
    org = selectors.visible_org(request.user, pk)
    children = selectors.children_of(request.user, org)
    return render(request, "orgs/_children.html", {"org": org, "children": children})


@login_required
def org_detail(request, pk: int):
    org = selectors.visible_org(request.user, pk)
    context = {
        "org": org,
        "ancestors": selectors.ancestors_for_display(request.user, org),
        "children": selectors.children_of(request.user, org),
        "positions": selectors.current_positions(request.user, org),
        "party_orgs": org.party_orgs.visible_to(request.user) if not org.is_party else [],
        "host": org.host if org.host_id and can(request.user, "view", org.host) else None,
        "people_count": selectors.people_list(request.user, org=org).count(),
    }
    return render(request, "orgs/detail.html", context)


@login_required
def people(request):
    _require_some_scope(request.user)
    org = None
    if request.GET.get("org"):
        try:
            org = selectors.visible_org(request.user, int(request.GET["org"]))
        except ValueError as exc:
            raise Http404 from exc
    text = request.GET.get("q", "")
    page = Paginator(selectors.people_list(request.user, text=text, org=org), 50).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "q": text, "org": org}
    if request.htmx.target == "people-table":
        return render(request, "orgs/_people_table.html", context)
    return render(request, "orgs/people.html", context)


@login_required
def person_detail(request, pk: int):
    person = selectors.visible_person(request.user, pk)
    context = {
        "person": person,
        "positions": person.positions.visible_to(request.user).select_related("org").order_by("-start_on"),
        "membership": getattr(person, "membership", None),
        "can_reveal": Person.objects.visible_to(request.user, "view_personal").filter(pk=person.pk).exists(),
    }
    return render(request, "orgs/person.html", context)


@login_required
@require_POST
def person_reveal(request, pk: int):
    person = selectors.visible_person(request.user, pk)
    try:
        clear = services.reveal_personal_data(
            person, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ServiceError as error:
        return render(request, "orgs/_reveal.html", {"person": person, "error": error}, status=400)
    return render(request, "orgs/_reveal.html", {"person": person, "clear": clear})


@login_required
def import_template(request, kind: str):
    if not has_scope(request.user, "import") or kind not in IMPORTERS:
        raise Http404
    response = HttpResponse(
        template_workbook(kind),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = quote(f"{IMPORTERS[kind].label}导入模板.xlsx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@login_required
def import_page(request):
    if not has_scope(request.user, "import"):
        raise Http404
    context: dict[str, Any] = {"importers": IMPORTERS, "active_nav": "import"}
    if request.method == "POST":
        kind = request.POST.get("kind")
        context["kind"] = kind
        upload = request.FILES.get("file")
        importer = IMPORTERS.get(kind)
        if importer is None:
            context["form_error"] = "请选择导入类型"
        elif upload is None:
            context["form_error"] = "请选择要导入的 Excel 文件(.xlsx)"
        else:
            try:
                result = importer.run(upload, actor=request.user)
            except ImportRejected as rejected:
                context.update(kind=kind, errors=rejected.errors, filename=upload.name)
                return render(request, "orgs/import.html", context, status=400)
            messages.success(request, f"导入成功:{result.summary()}")
            return redirect("orgs:import")
    return render(request, "orgs/import.html", context)
