"""The public portal (群众端): report a problem without logging in, follow it with the tracking link
and rate the result. Public pages show no personal data: no names, no phone numbers."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core import maptiles, ratelimit
from core.errors import ServiceError, StateConflict
from core.http import client_ip
from core.textguard import form_checks_input

from . import forms, resident, selectors, services, throttle, tracking
from .models import AttachmentStage, Case, CaseStatus, Channel
from .public_views import map_config

# At most this many reports per client address and window: (count, seconds). Counted with the
# same atomic counters as the API (core.ratelimit), in the shared cache when there is one.
REPORT_LIMITS = ((5, 3600), (20, 24 * 3600))
RATE_LIMITED = (
    "提交过于频繁:同一网络每小时最多反映 5 件、每天最多 20 件,请稍后再试。情况紧急请拨打 12345 热线。"
)


def tracking_url(case: Case) -> str:
    return f"{reverse('portal:case', args=[case.number])}?{urlencode({'t': case.access_token})}"


@require_http_methods(["GET", "POST"])
def report(request):
    context = {"active_nav": "portal_report", "portal_tab": "report"}

    def page(status: int = 200):
        # The map is only built when a page is shown: a successful report just redirects.
        # The grid outlines come separately (public_views.grids_geojson, cached by the browser).
        response = render(
            request, "portal/report.html", {**context, "map_config": map_config()}, status=status
        )
        return maptiles.allow_tiles(response)

    if request.method != "POST":
        context["form"] = forms.PublicReportForm()
        return page()
    form = forms.PublicReportForm(request.POST, request.FILES)
    context["form"] = form
    # Reserve this report's place in the limit before creating it (check and count in one atomic
    # step, so parallel posts cannot all pass); a report that is then refused gives it back.
    try:
        counted = ratelimit.hit("portal-report", client_ip(request), REPORT_LIMITS)
    except ratelimit.RateLimited as limited:
        context["limited"] = RATE_LIMITED
        response = page(429)
        response["Retry-After"] = str(limited.retry_after)
        return response
    if not form.is_valid():
        ratelimit.release(counted)
        return page(400)
    d = form.cleaned_data
    try:
        case = services.report_case(
            channel=Channel.PUBLIC,
            actor=request.user if request.user.is_authenticated else None,
            description=d["description"],
            title=d["title"],
            category=d["category"],
            area=d["area"],
            longitude=d["longitude"] or None,
            latitude=d["latitude"] or None,
            address=d["address"],
            reporter_name=d["reporter_name"],
            reporter_phone=d["reporter_phone"],
            anonymous=d["anonymous"],
            uploads=d["photos"],
            notify_reporter=d["notify_reporter"],
        )
    except ServiceError as error:
        ratelimit.release(counted)
        form.attach(error)
        return page(400)
    return redirect(f"{tracking_url(case)}&new=1")


@throttle.throttle_lookups(only_with=("number", "t"))
@form_checks_input
def track(request):
    """Look a case up by its number and 查询码 (GET form: nothing changes)."""
    form = forms.TrackForm(request.GET or None)
    if form.is_bound and form.is_valid():
        number, token = form.cleaned_data["number"].strip().upper(), form.cleaned_data["t"].strip()
        found = Case.objects.filter(number=number).first()
        if found is not None and found.token_matches(token):
            return redirect(tracking_url(found))  # the stored code: typed in any case, with groups
        form.add_error(None, "事项编号或查询码不正确,请核对后重试")
        return render(request, "portal/track.html", {"form": form, "portal_tab": "track"}, status=404)
    status = 400 if form.is_bound else 200  # a bound form here is invalid: its errors are shown
    return render(request, "portal/track.html", {"form": form, "portal_tab": "track"}, status=status)


@require_http_methods(["GET", "POST"])
@throttle.throttle_lookups()
def case(request, number: str):
    token = request.POST.get("t") if request.method == "POST" else request.GET.get("t")
    case = selectors.public_case(number, token or "")
    rating_form = None
    status = 200
    if case.status == CaseStatus.CLOSED and case.rated_at is None:
        rating_form = forms.PublicRatingForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            if rating_form.is_valid():
                d = rating_form.cleaned_data
                try:
                    services.rate_case(
                        case,
                        token=token or "",
                        resolved=d["resolved"],
                        satisfaction=d["satisfaction"],
                        comment=d["comment"],
                    )
                except StateConflict:
                    return redirect(tracking_url(case))  # rated meanwhile: show that rating
                except ServiceError as error:
                    rating_form.attach(error)
                    status = 400
                else:
                    messages.success(request, "感谢您的评价!")
                    return redirect(tracking_url(case))
            else:
                status = 400
    elif request.method == "POST":
        return redirect(tracking_url(case))
    context = {
        "case": case,
        "story": tracking.story(case),
        "after_photos": tracking.after_photos(case),
        "photos": case.attachments.filter(stage=AttachmentStage.REPORT) if case.is_public else [],
        "rating_form": rating_form,
        "token": case.access_token,
        "is_new": request.GET.get("new") == "1",
        "link": request.build_absolute_uri(tracking_url(case)),
    }
    master = case.merged_into if case.status == CaseStatus.MERGED else None
    if master is not None:
        # A merged duplicate follows its master case: the same public progress, no personal data.
        context["master"] = master
        context["master_events"] = selectors.timeline(master, public=True)
    return render(request, "portal/case.html", context, status=status)


@login_required
def mine(request):
    cases = Case.objects.filter(reporter_user=request.user).select_related("category").order_by("-created_at")
    cases = cases.select_related("lead_unit")
    rows = [{"case": c, "url": tracking_url(c), "now": tracking.current_step(c)} for c in cases[:200]]
    return render(
        request, "portal/mine.html", {"rows": rows, "active_nav": "portal_mine", "portal_tab": "mine"}
    )


def landing(request):
    """The site root for a visitor who is not logged in (群众端首页): report a problem, follow one
    with its number and 查询码, or log in (staff)."""
    return render(request, "portal/landing.html", {"form": forms.TrackForm(), "portal_tab": "home"})


@require_http_methods(["GET", "POST"])
@throttle.throttle_lookups()
def unsubscribe(request, token: str):
    """退订: the link in every message turns that case's messages off (a POST; GET asks first)."""
    case = resident.case_for_unsubscribe(token)
    if case is None:
        from django.http import Http404

        raise Http404
    if request.method == "POST":
        on = request.POST.get("on") == "1"
        resident.set_notify(case, on=on, how="通知中的退订链接")
        case.notify_reporter = on
        messages.success(request, "已恢复办理进度通知" if on else "已退订,该事项不再给您发送办理进度通知")
        return redirect(reverse("portal:unsubscribe", args=[token]))
    return render(request, "portal/unsubscribe.html", {"case": case, "portal_tab": "track"})
