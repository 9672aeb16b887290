from django.contrib import admin

from orgs.admin_base import ScopedAdmin

from .models import Decision


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
