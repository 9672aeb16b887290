"""Pages of the party app: the organization department's dashboard (党建考评), a branch's page for
its secretary, and phone-friendly meeting entry. Thin: parse, scope, call one service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from orgs.models import Org, Person
from orgs.scoping import can

from . import charts, compliance, exports, forms, reductions, selectors, services, terms
from .models import AttendanceStatus, Meeting, MeetingKind, Rating


def _party_org(user, pk, action="view") -> Org:
    return get_object_or_404(selectors.party_orgs(user, action), pk=pk)


def _quarter(request):
    options = selectors.quarters(selectors.today())
    wanted = request.GET.get("q", "")
    for start, end, label in options:
        if wanted == f"{start:%Y-%m}":
            return (start, end, label), options
    return options[1], options  # default: the last complete quarter


@login_required
def index(request):
    tops = selectors.top_orgs(request.user)
    if not tops:
        raise Http404
    branches = selectors.branches_for_secretary(request.user)
    if len(branches) == 1 and tops == branches:
        return redirect("party:org", branches[0].pk)
    return redirect("party:dashboard")


# ---------------------------------------------------------------------------------------------
# Dashboard (党建考评)


@login_required
def dashboard(request):
    user = request.user
    tops = selectors.top_orgs(user)
    if not tops:
        raise Http404
    if request.GET.get("org"):
        try:
            org = _party_org(user, int(request.GET["org"]))
        except ValueError as error:
            raise Http404 from error
    else:
        org = tops[0]
    if org.kind == "group":
        org = Org.objects.get_parent(org)
    (start, end, label), options = _quarter(request)
    version = selectors.data_version()  # once for the quarter shown and the trend's
    found, snapshot = selectors.findings_state(org, start, end, version)
    scores = selectors.scores(org, found, end)
    children = [
        scores[child.pk]
        for child in Org.objects.get_children(org).filter(archived_at__isnull=True).exclude(kind="group")
        if child.pk in scores
    ]
    children.sort(key=lambda s: (s.score, s.org.path))
    if request.GET.get("format") == "xlsx":
        data = exports.findings_workbook(org, label, scores, found)
        response = HttpResponse(
            data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''party-{start:%Y-%m}.xlsx"
        return response
    ranked = sorted(
        (s for s in scores.values() if s.org.kind == "branch"), key=lambda s: (s.score, s.org.path)
    )
    ancestors = [a for a in Org.objects.get_ancestors(org) if any(a.path.startswith(t.path) for t in tops)]
    shown = [f for f in found if f.org_id == org.pk] if org.kind != "branch" else found
    context = {
        "org": org,
        "score": scores.get(org.pk),
        "children": children,
        "weakest": ranked[:15],
        "own_findings": shown,
        "counts": {s: sum(1 for f in found if f.severity == s) for s in compliance.SEVERITY_LABELS},
        "total": len(found),
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
                for s in children
            ]
        ),
        "trend": _trend(org, options, version, large=snapshot is not None),
        "snapshot": snapshot,
        **_structure_of(request.user, org),
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

    from .structmodels import AllianceLink, BrandDesignation

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


# ---------------------------------------------------------------------------------------------
# A branch's page


@login_required
def org_page(request, pk):
    org = _party_org(request.user, pk)
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
        "active_nav": "party_branch",
    }
    from . import memviews

    context.update(memviews.branch_context(request.user, org, today))
    from . import termviews

    context.update(termviews.term_context(request.user, org))
    from . import structviews

    context.update(structviews.struct_context(request.user, org))
    context["can_designate"] = (higher := terms.approver_of(org)) is not None and can(
        request.user, "change", higher
    )
    return render(request, "party/org.html", context)


# ---------------------------------------------------------------------------------------------
# Meeting entry (录入组织生活), phone first


def _attendance_rows(org: Org, kind: str, day: dt.date, preset: dict) -> list[dict]:
    members = services.expected_members(org, kind or MeetingKind.THEME_DAY, day).select_related("person")
    rows = []
    for m in members.order_by("category", "joined_on", "pk"):
        status, reason = preset.get(m.pk, (AttendanceStatus.PRESENT, ""))
        rows.append({"member": m, "status": status, "reason": reason})
    return rows


def _parse_day(value) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return selectors.today()


@login_required
def meeting_new(request, pk):
    org = _party_org(request.user, pk, "change")
    if org.kind not in services.MEETING_ORG_KINDS:
        raise Http404
    conveners = Person.objects.filter(pk__in=services.member_pool(org).values("person_id")).order_by("name")
    preset: dict = {}
    if request.method == "POST":
        form = forms.MeetingForm(request.POST, request.FILES, conveners=conveners)
        posted = forms.parse_attendance(request.POST)
        preset = posted
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.record_meeting(
                    actor=request.user,
                    org=org,
                    kind=data["kind"],
                    held_on=data["held_on"],
                    topic=data["topic"],
                    place=data["place"],
                    convener=data["convener"],
                    minutes=data["minutes"],
                    decisions=data["decisions"],
                    follow_ups=data["follow_ups"],
                    attendance=posted,
                    resolutions=form.resolutions(),
                    photos=data["photos"],
                    documents=data["documents"],
                )
            except ServiceError as error:
                form.attach(error)
            else:
                messages.success(request, f"已录入:{meeting}")
                return redirect("party:meeting", meeting.pk)
        kind = request.POST.get("kind") or MeetingKind.THEME_DAY
        day = _parse_day(request.POST.get("held_on"))
    else:
        kind = request.GET.get("kind") or (
            MeetingKind.GROUP if org.kind == "group" else MeetingKind.THEME_DAY
        )
        secretary = services.committee_person_ids(org, selectors.today())
        initial = {"kind": kind, "held_on": selectors.today(), "place": f"{(org.host or org).name}党员活动室"}
        first = conveners.filter(pk__in=secretary).first()
        if first:
            initial["convener"] = first.pk
        form = forms.MeetingForm(initial=initial, conveners=conveners)
        day = selectors.today()
    context = {
        "org": org,
        "form": form,
        "rows": _attendance_rows(org, kind, day, preset),
        "statuses": AttendanceStatus.choices,
        "active_nav": "party_branch",
    }
    return render(request, "party/meeting_new.html", context)


@login_required
def attendance_partial(request, pk):
    """htmx: the attendance list for the chosen kind and day; ``copy=1`` pre-fills it from the
    organization's last meeting (复制上次出席名单)."""
    org = _party_org(request.user, pk, "change")
    kind = request.GET.get("kind") or MeetingKind.THEME_DAY
    day = _parse_day(request.GET.get("held_on"))
    preset = services.last_attendance(org, kind, day) if request.GET.get("copy") else {}
    context = {
        "rows": _attendance_rows(org, kind, day, preset),
        "statuses": AttendanceStatus.choices,
        "copied": bool(request.GET.get("copy")) and bool(preset),
        "org": org,
    }
    return render(request, "party/_attendance.html", context)


@login_required
def meeting_detail(request, pk, *, appraisal_error: str = "", status: int = 200):
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("org", "convener"), pk=pk
    )
    can_change = can(request.user, "change", meeting.org) and meeting.voided_at is None
    appraisal_rows = None
    if meeting.kind == MeetingKind.APPRAISAL:
        live = {a.member_id: a for a in meeting.appraisals.filter(superseded_at__isnull=True)}
        appraisal_rows = [
            {
                "member": a.member,
                "rating": live.get(a.member_id),
                "posted": request.POST.get(f"rating_{a.member_id}", ""),
                "posted_note": request.POST.get(f"note_{a.member_id}", ""),
            }
            for a in meeting.attendance.select_related("member__person").order_by("member__person__name")
        ]
    context = {
        "appraisal_rows": appraisal_rows,
        "appraisal_error": appraisal_error,
        "ratings": Rating.choices,
        "superseded_ratings": meeting.appraisals.filter(superseded_at__isnull=False)
        .select_related("member__person")
        .order_by("-superseded_at"),
        "meeting": meeting,
        "attendance": meeting.attendance.select_related("member__person").order_by("status", "member_id"),
        "resolutions": meeting.resolutions.all(),
        "attachments": meeting.attachments.all(),
        "revisions": meeting.revisions.select_related("changed_by"),
        "can_change": can_change,
        "branch": services.branch_of(meeting.org),
        "active_nav": "party_branch",
    }
    return render(request, "party/meeting_detail.html", context, status=status)


@login_required
@require_POST
def meeting_appraisal(request, pk):
    """民主评议党员: the rating (and 评议意见) of each member, from the meeting page."""
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user, "change"), pk=pk)
    ratings = {}
    for key, value in request.POST.items():
        if key.startswith("rating_") and value:
            member_id = key.removeprefix("rating_")
            if member_id.isdigit():
                ratings[int(member_id)] = (value, request.POST.get(f"note_{member_id}", ""))
    try:
        saved = services.record_appraisal(
            actor=request.user, meeting=meeting, ratings=ratings, reason=request.POST.get("reason", "")
        )
    except ServiceError as error:
        return meeting_detail(request, pk, appraisal_error=error.message, status=400)
    messages.success(request, f"已登记 {len(saved)} 名党员的评议等次" if saved else "评议结果没有变化")
    return redirect("party:meeting", pk)


@login_required
def meeting_correct(request, pk):
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user, "change").select_related("org"), pk=pk
    )
    if request.method == "POST":
        form = forms.CorrectionForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("reason")
            try:
                services.correct_meeting(actor=request.user, meeting=meeting, reason=reason, **data)
            except ServiceError as error:
                form.attach(error)
            else:
                messages.success(request, "已更正,原记录已保留为历史版本")
                return redirect("party:meeting", meeting.pk)
    else:
        form = forms.CorrectionForm(
            initial={k: getattr(meeting, k) for k in ("topic", "place", "minutes", "decisions", "follow_ups")}
        )
    return render(request, "party/meeting_correct.html", {"meeting": meeting, "form": form})


@login_required
@require_POST
def meeting_void(request, pk):
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user, "change").select_related("org"), pk=pk
    )
    try:
        services.void_meeting(actor=request.user, meeting=meeting, reason=request.POST.get("reason", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "记录已作废(保留在系统中,不计入考评)")
    return redirect("party:meeting", meeting.pk)
