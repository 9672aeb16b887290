from django.contrib import admin
from django.db import models

from orgs.admin_base import ScopedAdmin
from party.life.models import TrainingRecord
from party.membership.models import Member
from party.rules.models import RuleParameter
from party.terms.models import Term


@admin.register(Member)
class MemberAdmin(ScopedAdmin):
    list_display = ["person", "org", "category", "joined_on", "full_member_on", "status"]
    list_filter = ["category", "status"]
    search_fields = ["person__name", "org__name"]
    list_select_related = ["person", "org"]
    raw_id_fields = ["person", "org"]


@admin.register(RuleParameter)
class RuleParameterAdmin(ScopedAdmin):
    """Rule data (规则参数). A new version is a new row with a later 生效日期, so past findings keep the
    rule that applied then; a row with 适用组织 overrides the national default in that subtree."""

    list_display = ["code", "name", "value", "unit", "effective_from", "org", "confidence", "confirmed"]
    list_filter = ["confidence", "confirmed"]
    search_fields = ["code", "name", "source"]
    raw_id_fields = ["org"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.org_id is None:
            return request.user.is_superuser  # national defaults: administrators only
        return super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not request.user.is_superuser and "org" in form.base_fields:
            form.base_fields["org"].required = True  # others may only add local rules (地方规定)
            form.base_fields["org"].error_messages["required"] = (
                "请选择适用组织(全国默认值仅系统管理员可修改)"
            )
        return form


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ScopedAdmin):
    list_display = ["member", "title", "started_on", "hours", "org"]
    search_fields = ["member__person__name", "title"]
    raw_id_fields = ["member", "org"]
    date_hierarchy = "started_on"


@admin.register(Term)
class TermAdmin(ScopedAdmin):
    list_display = ["org", "started_on", "ends_on", "note"]
    # The form in the model's reading order (the approval fields come from core.models.Decided).
    fields = [
        "org",
        "started_on",
        "ends_on",
        "note",
        "state",
        "eligible",
        "present",
        "committee",
        "decided_by",
        "decided_at",
        "decision_note",
        "reminded_on",
        "is_demo",
        "created_at",
    ]
    raw_id_fields = ["org"]
