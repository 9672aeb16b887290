"""Home page (工作台) and health check."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import clock
from .home import home_sections
from .models import Notification


@login_required
def home(request):
    return render(request, "core/home.html", {"sections": home_sections(request.user)})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


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
