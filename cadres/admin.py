"""The admin shows only the rule data (依据), editable by superusers. Cadre files, 考察,
adjustments and 问责 decisions are deliberately not registered: the admin's scoping lets
superusers see everything, and every read of these records must go through the purpose prompt."""

from django.contrib import admin

from .models import Ground


@admin.register(Ground)
class GroundAdmin(admin.ModelAdmin):
    list_display = ["article", "regulation", "kind", "text", "active"]
    list_filter = ["kind", "regulation", "active"]
    search_fields = ["text", "article", "code"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False
