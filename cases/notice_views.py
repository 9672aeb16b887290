"""督办通知: the supervision records (reminders, notices, circulars) a user may see, with the reply
form for the unit a notice is addressed to. The supervision office sees every unit's; a unit sees
its own. Thin: the list comes from ``visible_to``, the reply from ``supervision.reply_to_notice``."""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import PermissionDenied, ServiceError
from orgs.scoping import can, has_scope

from . import forms, supervision, views
from .forms import CaseForm
from .models import NoticeKind, SupervisionNotice
from .notice_docs import notice_document, notice_docx
from .supervision import reply_to_notice


class NoticeFilterForm(CaseForm):
    kind = django_forms.ChoiceField(
        label="类型", required=False, choices=[("", "全部类型"), *NoticeKind.choices]
    )
    state = django_forms.ChoiceField(
        label="回复",
        required=False,
        choices=[("", "全部"), ("awaiting", "待回复"), ("late", "逾期未回复"), ("replied", "已回复")],
    )
    q = django_forms.CharField(label="搜索", required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"placeholder": "事项编号或责任单位", "type": "search"})


class ReplyForm(CaseForm):
    reply = django_forms.CharField(
        label="情况说明",
        required=False,
        max_length=2000,
        widget=django_forms.Textarea(attrs={"rows": 3, "placeholder": "逾期原因、已采取的措施和办结时间"}),
    )


def _visible(user):
    return SupervisionNotice.objects.visible_to(user).select_related("case", "unit", "replied_by")


def _can_reply(user, notice) -> bool:
    return (
        notice.kind == NoticeKind.NOTICE
        and notice.replied_at is None
        and notice.unit is not None
        and (can(user, "handle", notice.unit) or can(user, "dispatch", notice.unit))
    )


def _list_context(request, bound: dict | None = None) -> dict:
    form = NoticeFilterForm(request.GET or None)
    form.is_valid()
    data = form.cleaned_data if form.is_bound else {}
    notices = _visible(request.user)
    # Reminders are routine; the list shows notices and circulars unless asked for reminders.
    notices = (
        notices.filter(kind=data["kind"]) if data.get("kind") else notices.exclude(kind=NoticeKind.REMINDER)
    )
    now = timezone.now()
    state = data.get("state")
    if state == "awaiting":
        notices = notices.filter(kind=NoticeKind.NOTICE, replied_at__isnull=True)
    elif state == "late":
        notices = notices.filter(kind=NoticeKind.NOTICE, replied_at__isnull=True, reply_due_at__lt=now)
    elif state == "replied":
        notices = notices.filter(replied_at__isnull=False)
    if text := (data.get("q") or "").strip():
        notices = notices.filter(Q(case__number__icontains=text) | Q(unit__name__icontains=text))
    page = Paginator(notices.order_by("-created_at", "-pk"), 30).get_page(request.GET.get("page"))
    bound = bound or {}
    for notice in page:
        notice.reply_form = bound.get(notice.pk) or (
            ReplyForm(auto_id=f"reply-{notice.pk}_%s") if _can_reply(request.user, notice) else None
        )
        notice.reply_late = bool(
            notice.kind == NoticeKind.NOTICE
            and notice.reply_due_at
            and (notice.replied_at or now) > notice.reply_due_at
        )
    query = request.GET.copy()
    query.pop("page", None)
    return {"form": form, "page": page, "query": query.urlencode(), "active_nav": "notices"}


@login_required
def notice_list(request):
    if not any(has_scope(request.user, a) for a in ("supervise", "handle", "dispatch")):
        raise Http404
    return render(request, "cases/notices.html", _list_context(request))


@login_required
@require_POST
def notice_reply(request, pk: int):
    notice = get_object_or_404(_visible(request.user), pk=pk)
    form = ReplyForm(request.POST, auto_id=f"reply-{pk}_%s")
    form.is_valid()
    try:
        reply_to_notice(notice, actor=request.user, reply=form.cleaned_data.get("reply", ""))
    except PermissionDenied as error:
        return render(request, "cases/forbidden.html", {"message": error.message}, status=403)
    except ServiceError as error:
        form.attach(error)
        return render(request, "cases/notices.html", _list_context(request, {notice.pk: form}), status=400)
    messages.success(request, f"已回复 {notice.case.number} 的督办通知单")
    return redirect("cases:notices")


# ---------------------------------------------------------------------------------------------
# 督查室 on a case: 催办, 督办通知单; the notice as an A4 page and a Word file


@login_required
@require_POST
def case_urge(request, number: str):
    case = views.load_case(request, number)
    form = views.bound_form(forms.UrgeForm, request, "urge")

    def call(d):
        supervision.remind_case(case, actor=request.user, reason=d["reason"], act_by=d.get("act_by"))

    return views.perform(request, case, "urge", form, call, "已催办")


@login_required
@require_POST
def case_notice(request, number: str):
    case = views.load_case(request, number)
    form = views.bound_form(forms.CaseNoticeForm, request, "case_notice")

    def call(d):
        supervision.issue_case_notice(
            case, actor=request.user, text=d["text"], reply_days=d.get("reply_days") or 1
        )

    return views.perform(request, case, "case_notice", form, call, "已发出督办通知单")


def _printable(request, pk: int) -> SupervisionNotice:
    notice = get_object_or_404(
        _visible(request.user)
        .select_related("case__category", "issuer", "issued_by")
        .filter(kind__in=(NoticeKind.NOTICE, NoticeKind.CIRCULAR)),
        pk=pk,
    )
    if not notice.number:
        # Notices issued before numbering get their 文号 the first time they are printed.
        with transaction.atomic():
            locked = SupervisionNotice.objects.select_for_update().select_related("case").get(pk=notice.pk)
            supervision.number_notice(locked)
        notice.refresh_from_db()
    return notice


@login_required
def notice_print(request, pk: int):
    """The notice as an A4 official document (print CSS: no navigation, no internal text)."""
    notice = _printable(request, pk)
    return render(
        request,
        "cases/notice_print.html",
        {"notice": notice, "doc": notice_document(notice), "active_nav": "notices"},
    )


@login_required
def notice_word(request, pk: int):
    from urllib.parse import quote

    notice = _printable(request, pk)
    response = HttpResponse(
        notice_docx(notice),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    name = f"{notice.get_kind_display()}{notice.number}.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
