"""POST handlers for requests and their approval (延期, 挂账, 重办, 不合理诉求认定), 吹哨报到,
merging duplicates and the public-visibility flag. Same shape as ``views``: one form, one service
call, the case page re-rendered (htmx) or a redirect."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from core.errors import ServiceError

from . import approvals, coordination, forms
from .models import Case
from .views import bound_form, load_assignment, load_case, perform, posted_status


@login_required
@require_POST
def request_extension(request, number: str):
    case = load_case(request, number)
    form = bound_form(forms.ExtensionForm, request, "extension")

    def call(d):
        approvals.request_extension(case, actor=request.user, days=d["days"], reason=d["reason"])

    return perform(request, case, "extension", form, call, "已提交延期申请,等待调度中心审批")


@login_required
@require_POST
def request_parking(request, number: str):
    case = load_case(request, number)
    form = bound_form(forms.ParkingForm, request, "parking")

    def call(d):
        approvals.request_parking(case, actor=request.user, until=d["until"], reason=d["reason"])

    return perform(request, case, "parking", form, call, "已提交挂账申请,等待调度中心审批")


@login_required
@require_POST
def request_rehandle(request, number: str):
    case = load_case(request, number)
    form = bound_form(forms.RehandleForm, request, "rehandle")

    def call(d):
        approvals.request_rehandle(case, actor=request.user, reason=d["reason"])

    return perform(request, case, "rehandle", form, call, "已提交重办申请,等待审批")


@login_required
@require_POST
def request_exclusion(request, number: str):
    case = load_case(request, number)
    form = bound_form(forms.ExclusionForm, request, "exclusion")

    def call(d):
        approvals.request_exclusion(case, actor=request.user, reason=d["reason"])

    return perform(request, case, "exclusion", form, call, "已提交不合理诉求认定申请,等待督查室审批")


@login_required
@require_POST
def decide(request, number: str, pk: int):
    case = load_case(request, number)
    case_request = get_object_or_404(case.requests.all(), pk=pk)
    key = f"decide-{pk}"
    form = bound_form(forms.DecisionForm, request, key)

    def call(d):
        approvals.decide_request(case_request, actor=request.user, approve=d["approve"], note=d["note"])

    verdict = "已同意" if request.POST.get("approve") == "1" else "已不同意"
    return perform(request, case, key, form, call, f"{verdict}{case_request.get_kind_display()}申请")


@login_required
@require_POST
def summon(request, number: str):
    case = load_case(request, number)
    form = bound_form(forms.SummonForm, request, "summon", case=case)

    def call(d):
        coordination.summon_units(case, actor=request.user, units=list(d["units"]), note=d["note"])

    return perform(request, case, "summon", form, call, "已吹哨,等待各部门报到")


@login_required
@require_POST
def report_in(request, number: str, pk: int):
    case = load_case(request, number)
    assignment = load_assignment(case, pk)
    key = f"report_in-{pk}"
    form = bound_form(forms.ReportInForm, request, key)

    def call(d):
        coordination.report_in(assignment, actor=request.user, note=d["note"])

    return perform(request, case, key, form, call, "已报到")


@login_required
@require_POST
def merge(request, number: str):
    case = load_case(request, number)
    form = bound_form(forms.MergeForm, request, "merge")

    def call(d):
        into = d["into"].strip().upper()
        if not into:
            raise ServiceError("请填写主事项编号", field="into")
        master = Case.objects.visible_to(request.user, "dispatch").filter(number=into).first()
        if master is None:
            raise ServiceError(f"找不到您可以处理的事项“{into}”", field="into")
        coordination.merge_case(
            case, actor=request.user, into=master, reason=d["reason"], expected_status=posted_status(d)
        )

    return perform(request, case, "merge", form, call, "已合并到主事项")


@login_required
@require_POST
def set_public(request, number: str):
    case = load_case(request, number)
    form = bound_form(forms.PublicForm, request, "public")

    def call(d):
        coordination.set_public(case, actor=request.user, public=d["public"], reason=d["reason"])

    return perform(request, case, "public", form, call, "已修改公开设置")
