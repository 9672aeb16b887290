from django.contrib import admin

from core.scoping import has_scope

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only view of the audit log, scoped to the subjects the user may see."""

    list_display = ["created_at", "action_label", "subject_label", "actor_label", "reason"]
    list_filter = ["action"]
    search_fields = ["subject_label", "actor_label", "reason", "request_id"]
    date_hierarchy = "created_at"
    list_per_page = 100

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user).select_related("actor", "actor_org")

    @admin.display(description="事件")
    def action_label(self, obj):
        return obj.action_label

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and has_scope(request.user, "view")

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
