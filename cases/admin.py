from django.contrib import admin

from orgs.admin_base import ScopedAdmin

from .models import Case, Category, EvaluationWeights, Responsibility, SlaRule, SupervisionNotice


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Configuration (superusers): the taxonomy is data, not code. Categories are disabled, not deleted."""

    list_display = ["code", "name", "parent", "kind", "requires_verification", "accepts_public", "active"]
    list_filter = ["kind", "active", "requires_verification"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SlaRule)
class SlaRuleAdmin(admin.ModelAdmin):
    """Limits per stage with effective dates: a change is a new row from a date on, so past
    deadlines keep the rule they were computed with."""

    list_display = ["stage", "urgency", "category", "limit", "unit", "effective_from", "note"]
    list_filter = ["stage", "urgency", "unit"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Responsibility)
class ResponsibilityAdmin(ScopedAdmin):
    list_display = ["org", "category", "unit", "active"]
    list_filter = ["active", "category__parent"]
    search_fields = ["org__name", "unit__name", "category__name"]
    raw_id_fields = ["org", "unit"]


@admin.register(Case)
class CaseAdmin(ScopedAdmin):
    """Read-only here: cases change only through the workflow pages (services)."""

    list_display = ["number", "title", "status", "category", "org", "lead_unit", "due_at", "created_at"]
    list_filter = ["status", "channel", "urgency"]
    search_fields = ["number", "title"]
    list_select_related = ["category", "org", "lead_unit"]
    date_hierarchy = "created_at"
    exclude = ["reporter_phone_encrypted", "access_token"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EvaluationWeights)
class EvaluationWeightsAdmin(admin.ModelAdmin):
    """Weights are versioned by month: add a row from a month on instead of editing history."""

    list_display = [
        "effective_from",
        "response",
        "resolution",
        "satisfaction",
        "on_time",
        "rework",
        "returns",
        "urge_deduction",
        "basic_satisfied_factor",
        "note",
    ]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(ScopedAdmin):
    list_display = ["created_at", "kind", "number", "case", "stage", "unit", "reply_due_at", "replied_at"]
    list_filter = ["kind", "stage", "manual"]
    search_fields = ["case__number", "unit__name", "number"]
    list_select_related = ["case", "unit"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
