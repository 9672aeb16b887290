"""Home page (工作台) and health check."""

from django.contrib.auth.decorators import login_required
from django.core.cache import cache, caches
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.views.decorators.http import require_POST

from . import clock, jobs
from .home import home_sections
from .models import Notification


@login_required
def home(request):
    return render(request, "core/home.html", {"sections": home_sections(request.user)})


# A worker heartbeat older than this, or a periodic job this late, is a warning on /healthz.
HEALTH_WORKER_SECONDS = 120
HEALTH_PERIODIC_LAG_SECONDS = 600


def healthz(request):
    """Health for a load balancer and for monitoring (JSON, no personal data, ≤ 5 queries).

    ``database`` and ``cache`` failing → 503 (take this node out). ``worker`` (youngest heartbeat),
    ``periodic`` (the most overdue job's lag), ``calendar`` (this year's holiday schedule is
    official, not estimated) and, on RQ, ``queue`` (its Redis answers PING) are warnings: 200,
    unless ``?strict=1`` (monitoring) → 503. A Redis outage is the same for every node, so it does
    not take them all out of the load balancer."""
    checks: dict[str, dict[str, object]] = {}  # each check's JSON: "ok" plus details (str, int …)
    errors: list[str] = []
    warnings: list[str] = []
    now = timezone.now()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
        errors.append("database")
    try:
        key, token = "luoshi:healthz", get_random_string(12)
        cache.set(key, token, 30)
        ok = cache.get(key) == token
        checks["cache"] = {"ok": ok, "backend": type(caches["default"]).__name__}
        if not ok:
            errors.append("cache")
    except Exception as exc:
        checks["cache"] = {
            "ok": False,
            "backend": type(caches["default"]).__name__,
            "error": type(exc).__name__,
        }
        errors.append("cache")
    if jobs.backend_kind() == "rq":  # the task queue's Redis: without it nothing is enqueued
        try:
            ok = bool(jobs.rq_queues()[0].connection.ping())
        except Exception:
            ok = False
        checks["queue"] = {"ok": ok}
        if not ok:
            warnings.append("queue")
    if "database" not in errors:
        _warning_checks(checks, warnings, now)
    strict = request.GET.get("strict") in {"1", "true", "yes"}
    failed = bool(errors) or (strict and bool(warnings))
    body = {
        "status": "error" if errors else ("warning" if warnings else "ok"),
        "checks": checks,
        "errors": errors,
        "warnings": warnings,
    }
    response = JsonResponse(body, status=503 if failed else 200, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


def _warning_checks(checks: dict, warnings: list, now) -> None:
    from django.db.models import Max

    from .health import warning_checks
    from .models import WorkerHeartbeat
    from .periodic import lag

    last = WorkerHeartbeat.objects.aggregate(m=Max("seen_at"))["m"]
    age = None if last is None else round((now - last).total_seconds(), 1)
    worker_ok = age is not None and age <= HEALTH_WORKER_SECONDS
    checks["worker"] = {"ok": worker_ok, "heartbeat_age_seconds": age}
    if not worker_ok:
        warnings.append("worker")
    overdue = lag(now)
    seconds = 0.0 if overdue is None else round(overdue.total_seconds(), 1)
    periodic_ok = seconds <= HEALTH_PERIODIC_LAG_SECONDS
    checks["periodic"] = {"ok": periodic_ok, "lag_seconds": seconds}
    if not periodic_ok:
        warnings.append("periodic")
    for name, check in warning_checks():  # the apps' checks (core.health), e.g. the calendar
        checks[name] = check(now)
        if not checks[name]["ok"]:
            warnings.append(name)


@login_required
def inbox(request):
    """站内通知: the signed-in user's own messages, newest first."""
    messages = Notification.objects.filter(user=request.user)
    page = Paginator(messages, 30).get_page(request.GET.get("page"))
    return render(request, "core/inbox.html", {"page": page, "active_nav": "inbox"})


@login_required
@require_POST
def inbox_read(request):
    """Mark one message (``id``) or all of the user's messages as read."""
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True)
    if request.POST.get("id"):
        unread = unread.filter(pk=request.POST["id"])
    unread.update(read_at=clock.now())
    target = request.POST.get("next") or ""
    return redirect(target if target.startswith("/") and not target.startswith("//") else "inbox")
