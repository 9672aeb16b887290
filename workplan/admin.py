from django.contrib import admin

from .models import SupervisionRule


@admin.register(SupervisionRule)
class SupervisionRuleAdmin(admin.ModelAdmin):
    """督办规则 (superusers): thresholds are data with effective dates — a change is a new row."""

    list_display = [
        "effective_from",
        "lag_margin",
        "remind_days",
        "notice_reply_days",
        "circular_after_days",
        "accountability_after_days",
        "max_evidence_mb",
        "note",
    ]

    def has_delete_permission(self, request, obj=None):
        return False
