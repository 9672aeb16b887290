"""The scoped Django admin: every changelist, form choice and permission check goes through
``visible_to``/``can``; nothing is ever deleted; every save writes an audit event."""

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect

from audit import events
from audit.services import record, snapshot
from core.errors import ServiceError

from .scoping import can, has_scope


class ScopedAdmin(admin.ModelAdmin):
    #: the org a record belongs to, for permission checks
    org_attr: str | None = "org"

    def _org_of(self, obj):
        return getattr(obj, self.org_attr, None) if self.org_attr else obj

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user, "view")

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and has_scope(request.user, "view")

    def has_view_permission(self, request, obj=None):
        if not self.has_module_permission(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return self.has_module_permission(request) and has_scope(request.user, "change")

    def has_change_permission(self, request, obj=None):
        if not self.has_add_permission(request):
            return False
        if obj is None:
            return True
        org = self._org_of(obj)
        return org is not None and can(request.user, "change", org)

    def has_delete_permission(self, request, obj=None):
        return False  # business records are archived or end-dated, never deleted

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related.objects, "visible_to") or hasattr(related._default_manager, "visible_to"):
            action = "change" if db_field.name in ("org", "parent") else "view"
            kwargs.setdefault("queryset", related._default_manager.visible_to(request.user, action))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Forms pre-check the rules in ``clean``; a refusal that only the service can see (e.g. a
        # concurrent change) rolls the whole save back and is shown as a message.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceError as error:
            messages.error(request, f"未保存:{error.message}")
            return HttpResponseRedirect(request.get_full_path())

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj)._base_manager.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        after = snapshot(obj)
        if before is not None:
            changed = [key for key in after if after.get(key) != before.get(key)]
            before = {key: before.get(key) for key in changed}
            after = {key: after[key] for key in changed}
        record(
            obj,
            events.ADMIN_CHANGED if change else events.ADMIN_CREATED,
            actor=request.user,
            before=before,
            after=after,
            reason="管理后台",
        )
