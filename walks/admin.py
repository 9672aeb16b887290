from django.contrib import admin

from orgs.admin_base import ScopedAdmin

from .models import ChecklistItem, Leader, Walk


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    """走流程检查项(“四最”等): rule data, worded as the province words it. Retire an item by
    unticking 启用; answered walks keep the label they were answered with."""

    list_display = ["label", "code", "sort", "active", "source"]
    list_editable = ["sort", "active"]
    search_fields = ["label", "code"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Leader)
class LeaderAdmin(ScopedAdmin):
    """走流程领导干部名单: who is expected to walk processes, at which level (the yearly minimum is
    rule data ``walks.yearly_min.<level>`` under 规则参数). Leaving the list sets 终止日期."""

    list_display = ["person", "title", "level", "org", "active_from", "active_to"]
    list_filter = ["level"]
    search_fields = ["person__name", "title"]
    raw_id_fields = ["person", "org"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Walk)
class WalkAdmin(ScopedAdmin):
    list_display = ["service", "leader", "walked_on", "status", "total_minutes"]
    list_filter = ["status"]
    search_fields = ["service", "place", "leader__person__name"]

    def has_add_permission(self, request):
        return False  # walks are recorded through the 走流程 pages and the API

    def has_change_permission(self, request, obj=None):
        return False
