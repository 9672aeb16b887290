from django.contrib import admin

from orgs.admin_base import ScopedAdmin

from .models import Decision, Representative


@admin.register(Decision)
class DecisionAdmin(ScopedAdmin):
    list_display = ["title", "org", "matter", "status", "started_on", "deviations"]
    list_filter = ["status", "matter"]
    search_fields = ["title", "org__name"]
    raw_id_fields = ["org", "created_by"]

    def has_add_permission(self, request):
        return False  # decisions are recorded through the 四议两公开 pages

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Representative)
class RepresentativeAdmin(ScopedAdmin):
    """村民代表名册: the 应到 of a 村民代表会议 (四议两公开). Leaving ends a row (终止日期)."""

    list_display = ["name", "org", "group", "start_on", "end_on"]
    list_filter = ["end_on"]
    search_fields = ["name", "org__name"]
    raw_id_fields = ["org"]

    def has_delete_permission(self, request, obj=None):
        return False
