"""Pages of the party app: the organization department's dashboard (党建考评), a branch's page for
its secretary, and phone-friendly meeting entry. Thin: parse, scope, call one service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core import kit
from core.ledger import xlsx_response
from orgs.models import Org
from orgs.scoping import can
from orgs.selectors import ledger_signature
from party import charts, compliance, exports, scope, selectors
from party.compliance.rules import development as development_rules
from party.development import forms as development_forms
from party.development import selectors as development_selectors
from party.development import services as development_services
from party.development import steps as development_steps
from party.development.models import ApplicantStatus
from party.membership import reductions
from party.membership import selectors as membership_selectors
from party.scope import party_org
from party.structure import coverage
from party.terms import services as terms


def _quarter(request):
    options = selectors.quarters(selectors.today())
    wanted = request.GET.get("q", "")
    for start, end, label in options:
        if wanted == f"{start:%Y-%m}":
            return (start, end, label), options
    return options[1], options  # default: the last complete quarter


@login_required
def index(request):
    tops = scope.top_orgs(request.user)
    if not tops:
        raise Http404
    branches = scope.branches_for_secretary(request.user, limit=2)
    if len(branches) == 1 and tops == branches:
        return redirect("party:org", branches[0].pk)
    return redirect("party:dashboard")


@login_required
def dashboard(request):
    user = request.user
    tops = scope.top_orgs(user)
    if not tops:
        raise Http404
    if request.GET.get("org"):
        try:
            org = party_org(user, int(request.GET["org"]))
        except ValueError as error:
            raise Http404 from error
    else:
        org = tops[0]
    if org.kind == "group":
        org = Org.objects.get_parent(org)
    (start, end, label), options = _quarter(request)
    version = selectors.data_version()  # once for the quarter shown and the trend's
    if request.GET.get("format") == "xlsx":  # every finding: read (or computed) in full
        found, _snapshot = selectors.findings_state(org, start, end, version)
        scores = selectors.scores(org, found, end)
        _unit, maker = ledger_signature(user)
        data = exports.findings_workbook(org, label, scores, found, maker=maker, made_on=kit.today())
        return xlsx_response(data, f"party-{start:%Y-%m}.xlsx")
    if request.GET.get("poll"):  # the notice asks every few seconds whether the figures are ready
        if selectors.pending(org, start, end, version):
            return render(request, "party/_dashboard_pending.html", {"org": org, "q": f"{start:%Y-%m}"})
        response = HttpResponse()
        response["HX-Refresh"] = "true"  # htmx reloads the page, now with the figures
        return response
    board = selectors.board(org, start, end, version)
    ancestors = [a for a in Org.objects.get_ancestors(org) if any(a.path.startswith(t.path) for t in tops)]
    context = {
        "org": org,
        # None while a large subtree's first snapshot of the quarter is computed: the page says so
        "pending": board is None,
        "score": board.score if board else None,
        "children": board.children if board else [],
        "weakest": board.weakest if board else [],
        "own_findings": board.own if board else [],
        "counts": board.counts if board else {},
        "total": board.total if board else 0,
        "quarter": label,
        "q": f"{start:%Y-%m}",
        "options": [(f"{s:%Y-%m}", lab) for s, _, lab in options],
        "ancestors": ancestors,
        "active_nav": "party_dashboard",
        "severity_labels": compliance.SEVERITY_LABELS,
        "pending_approvals": sum(len(items) for items in terms.pending_for(request.user)),
        "pending_reductions": len(reductions.pending_for(request.user)),
        "tiles": charts.treemap(
            [
                (
                    s.org.short_name or s.org.name,
                    max(1, s.branches or 1),
                    s.score,
                    f"?org={s.org.pk}&q={start:%Y-%m}",
                )
                for s in (board.children if board else [])
            ]
        ),
        "trend": _trend(org, options, version, large=board is None or board.snapshot is not None),
        "snapshot": board.snapshot if board else None,
        **_structure_of(request.user, org),
        "coverage": coverage.compute(org, kit.today()) if org.kind not in ("branch", "group") else None,
    }
    return render(request, "party/dashboard.html", context)


def _trend(org: Org, options, version: str, large: bool) -> list:
    """The organization's score in each of the quarters offered, oldest first (a large subtree's
    from its snapshots; a quarter not computed yet is queued and left blank)."""
    points = []
    for q_start, q_end, label in reversed(options):
        score = selectors.root_score(org, q_start, q_end, version, large)
        points.append(charts.TrendPoint(label.replace("年第", "Q").replace("季度", ""), score))
    return charts.trend(points)


def _structure_of(user, org: Org) -> dict:
    """品牌支部 and 党建联盟 in ``org``'s subtree, for the dashboard."""
    from orgs.scoping import subtree_q
    from party.structure.models import AllianceLink, BrandDesignation

    return {
        "brand_ids": set(
            BrandDesignation.objects.visible_to(user)
            .active()
            .filter(subtree_q("org_path", org.path))
            .values_list("org_id", flat=True)
        ),
        "alliances": list(
            AllianceLink.objects.visible_to(user)
            .active()
            .filter(subtree_q("org_path", org.path))
            .select_related("org", "partner")[:30]
        ),
    }


@login_required
def org_page(request, pk):
    org = party_org(request.user, pk)
    if org.kind == "group":
        org = Org.objects.get_parent(org)
    if org.kind != "branch":
        return redirect(f"{reverse('party:dashboard')}?org={org.pk}")
    today = selectors.today()
    start, end = compliance.default_window(today)
    found = selectors.findings(org, start, end)
    year = today.year
    meetings = list(selectors.meetings_of(request.user, org, None)[:60])
    context = {
        "org": org,
        "findings": found,
        "meetings": meetings,
        "members": selectors.member_rows(org, year),
        "year": year,
        "can_change": can(request.user, "change", org),
        "groups": Org.objects.get_children(org).filter(kind="group", archived_at__isnull=True),
        "leaving": membership_selectors.leaving_committee(org, today),
        "active_nav": "party_branch",
    }
    from party.membership import views as membership_views

    context.update(membership_views.branch_context(request.user, org, today))
    from party.membership import status_views

    context["status_periods"] = status_views.branch_periods(request.user, org, today)
    context.setdefault("today", today)
    from party.terms import views as term_views

    context.update(term_views.term_context(request.user, org))
    from party.structure import views as structure_views

    context.update(structure_views.struct_context(request.user, org))
    context["can_designate"] = (higher := scope.approver_of(org)) is not None and can(
        request.user, "change", higher
    )
    return render(request, "party/org.html", context)


@login_required
def development_overview(request):
    """The organization department's overview of member development (发展党员): the pipeline of the
    organizations below, the plan, and the development rules' findings (compliance reads every
    sub-domain, so the page that shows them lives here, above the sub-domains)."""
    user = request.user
    tops = scope.top_orgs(user)
    if not tops:
        raise Http404
    org = tops[0]
    if request.GET.get("org", "").isdigit():
        org = party_org(user, int(request.GET["org"]))
    if org.kind == "branch":
        return redirect("party:development_board", org.pk)
    today = kit.today()
    data = development_selectors.overview(user, org, today)
    start, end = today.replace(month=1, day=1), today
    findings = development_rules.check(org, start, end, today)
    queue = list(
        development_selectors.applicants(user)
        .filter(
            org_path__startswith=org.path, status__in=(ApplicantStatus.ACTIVE, ApplicantStatus.PROBATIONARY)
        )
        .filter(step__in=(15, 16, 23))
        .order_by("due_on")
    )
    plan_orgs = list(
        scope.party_orgs(user, "change").exclude(kind="group").filter(path__startswith=org.path)[:300]
    )
    context = {
        "org": org,
        **data,
        "findings": findings,
        "queue": queue,
        "today": today,
        "stages": development_steps.STAGES,
        "versions": development_services.rule_versions(),
        "plan_form": development_forms.PlanForm(orgs=plan_orgs, initial={"year": today.year, "org": org.pk})
        if plan_orgs
        else None,
        "ancestors": [
            a for a in Org.objects.get_ancestors(org) if any(a.path.startswith(t.path) for t in tops)
        ],
        "active_nav": "party_development",
    }
    return render(request, "party/development_overview.html", context)
