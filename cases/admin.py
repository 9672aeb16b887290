from django.contrib import admin, messages
from django.db import transaction

from orgs.admin_base import ScopedAdmin

from . import resident
from .models import (
    Case,
    Category,
    DeliveryStatus,
    EvaluationWeights,
    ReporterDelivery,
    Responsibility,
    SlaRule,
    SupervisionNotice,
)


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


@admin.register(ReporterDelivery)
class ReporterDeliveryAdmin(admin.ModelAdmin):
    """通知发送: every message to a reporter per channel; the operator filters 发送失败, reads the
    error and sends again (the worker retries by itself first). Needs the model's view permission
    (superusers, or a group given it); no personal data is shown (the message text has none)."""

    list_display = [
        "message_created",
        "case_number",
        "milestone",
        "channel",
        "status",
        "attempts",
        "last_error",
    ]
    list_filter = ["status", "channel", "message__milestone"]
    search_fields = ["message__case__number"]
    list_select_related = ["message__case"]
    readonly_fields = [
        "message",
        "channel",
        "status",
        "attempts",
        "last_error",
        "claimed_at",
        "sent_at",
        "provider_id",
    ]
    actions = ["send_again"]

    @admin.display(description="时间", ordering="message__created_at")
    def message_created(self, obj):
        return obj.message.created_at

    @admin.display(description="事项编号", ordering="message__case__number")
    def case_number(self, obj):
        return obj.message.case.number

    @admin.display(description="环节")
    def milestone(self, obj):
        return obj.message.get_milestone_display()

    @admin.action(description="重新发送所选的失败通知", permissions=["view"])
    def send_again(self, request, queryset):
        with transaction.atomic():
            count = resident.retry_failed(
                queryset.filter(status=DeliveryStatus.FAILED).values_list("pk", flat=True)
            )
        messages.success(request, f"已重新排队发送 {count} 条通知")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
