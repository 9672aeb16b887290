"""Admin for the org forest, people, positions and role grants — scoped, audited, no deletes.

Writes go through ``orgs.services`` so the admin obeys the same rules as every other entry point.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone

from core.errors import ServiceError, as_validation_error

from . import lockout, services
from .admin_base import ScopedAdmin
from .models import LoginFailure, Org, Person, Position, RoleGrant, User


def _run(fn, *args, **kwargs):
    """Call a service from a form's ``clean``; turn its refusal into a form error."""
    try:
        return fn(*args, **kwargs)
    except ServiceError as error:
        raise as_validation_error(error) from error


class OrgAdminForm(forms.ModelForm):
    parent = forms.ModelChoiceField(Org.objects.none(), label="上级组织", required=False)
    reason = forms.CharField(
        label="变更说明", required=False, max_length=200, help_text="调整上级组织时必填;将记录在审计日志中"
    )

    class Meta:
        model = Org
        fields = list(services.ORG_FIELDS)

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["parent"].queryset = Org.objects.visible_to(request.user, "change").active()
        self.fields["host"].queryset = Org.objects.visible_to(request.user).active()
        if self.instance.pk:
            self.fields["parent"].initial = Org.objects.get_parent(self.instance)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        values = {f: data.get(f) for f in self.Meta.fields if f != "kind"}
        if self.instance.pk is None:
            _run(
                services.validate_new_org,
                actor=self.request.user,
                parent=data.get("parent"),
                kind=data["kind"],
                values=values,
            )
        elif data.get("parent") != Org.objects.get_parent(self.instance) and not data.get("reason"):
            self.add_error("reason", "调整上级组织时请填写变更说明")
        return data

    def _post_clean(self):
        # Keep the form from writing tree fields; the services do the writing.
        pass


@admin.register(Org)
class OrgAdmin(ScopedAdmin):
    form = OrgAdminForm
    org_attr = None
    list_display = ["name", "kind", "code", "depth", "is_archived"]
    list_filter = ["kind", "depth"]
    search_fields = ["name", "code"]
    ordering = ["path"]
    list_per_page = 100

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)

        class RequestForm(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, request=request, **kw)

        return RequestForm

    @admin.display(boolean=True, description="已撤销")
    def is_archived(self, obj):
        return obj.is_archived

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        values = {f: data.get(f) for f in OrgAdminForm.Meta.fields if f != "kind"}
        if not change:
            created = services.create_org(
                actor=request.user,
                parent=data.get("parent"),
                kind=data["kind"],
                reason=data.get("reason", ""),
                **values,
            )
            obj.__dict__.update(created.__dict__)
            return
        current = Org.objects.get(pk=obj.pk)
        services.update_org(
            current, actor=request.user, reason=data.get("reason", ""), kind=data["kind"], **values
        )
        if data.get("parent") and data["parent"] != Org.objects.get_parent(current):
            services.move_org(current, data["parent"], actor=request.user, reason=data["reason"])
        obj.refresh_from_db()


class PersonAdminForm(forms.ModelForm):
    id_number = forms.CharField(
        label="身份证号", required=False, max_length=18, help_text="留空表示不修改;保存后仅以脱敏形式显示"
    )
    phone = forms.CharField(label="手机号", required=False, max_length=20, help_text="留空表示不修改")

    class Meta:
        model = Person
        fields = ["name", "gender", "ethnicity", "birth_date", "education", "org", "note"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        values = {f: data.get(f) for f in self.Meta.fields}
        _run(
            services.validate_person,
            values,
            data.get("id_number") or "",
            data.get("phone") or "",
            exclude_pk=self.instance.pk,
        )
        return data


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    form = PersonAdminForm
    list_display = ["name", "gender", "birth_date", "org", "phone_masked", "archived_at"]
    list_filter = ["gender"]
    search_fields = ["name"]
    list_select_related = ["org"]
    readonly_fields = ["id_number_masked", "phone_masked", "user"]
    raw_id_fields = ["org"]

    @admin.display(description="手机号")
    def phone_masked(self, obj):
        return obj.phone_masked

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        values = {f: data.get(f) for f in PersonAdminForm.Meta.fields}
        secrets = {k: data[k] for k in ("id_number", "phone") if data.get(k)}
        if change:
            saved = services.update_person(
                Person.objects.get(pk=obj.pk), actor=request.user, reason="管理后台", **values, **secrets
            )
        else:
            saved = services.create_person(actor=request.user, reason="管理后台", **values, **secrets)
        obj.__dict__.update(saved.__dict__)


@admin.register(Position)
class PositionAdmin(ScopedAdmin):
    list_display = ["person", "org", "kind", "title", "start_on", "end_on"]
    list_filter = ["kind"]
    search_fields = ["person__name", "org__name", "title"]
    list_select_related = ["person", "org"]
    raw_id_fields = ["person", "org"]

    def get_readonly_fields(self, request, obj=None):
        return ["person", "org", "kind", "title", "start_on"] if obj else []

    def get_fields(self, request, obj=None):
        base = ["person", "org", "kind", "title", "start_on"]
        return [*base, "end_on", "end_reason"] if obj else base

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            saved = services.appoint(
                data["person"],
                data["org"],
                actor=request.user,
                kind=data["kind"],
                title=data.get("title", ""),
                start_on=data["start_on"],
                reason="管理后台",
            )
        else:
            saved = services.end_position(
                Position.objects.get(pk=obj.pk),
                actor=request.user,
                end_on=data.get("end_on"),
                reason=data.get("end_reason") or "",
            )
        obj.__dict__.update(saved.__dict__)


@admin.register(RoleGrant)
class RoleGrantAdmin(ScopedAdmin):
    list_display = ["user", "role", "org", "start_on", "end_on", "granted_by"]
    list_filter = ["role"]
    search_fields = ["user__username", "org__name"]
    list_select_related = ["user", "org", "granted_by"]
    raw_id_fields = ["user", "org"]
    fields = ["user", "role", "org", "start_on", "reason"]

    def has_add_permission(self, request):
        from .scoping import has_scope

        return self.has_module_permission(request) and has_scope(request.user, "grant")

    def has_change_permission(self, request, obj=None):
        return False  # a grant is revoked (end-dated) by a service, not edited

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.grant_role(
            data["user"],
            data["org"],
            data["role"],
            actor=request.user,
            reason=data.get("reason", ""),
            start_on=data.get("start_on"),
        )
        obj.__dict__.update(saved.__dict__)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts are managed by superusers only; scoped roles are granted in 角色授权."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    has_view_permission = has_add_permission = lambda self, request, obj=None: request.user.is_superuser  # type: ignore[misc]  # noqa: E731

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False


class TriggeredFilter(admin.SimpleListFilter):
    title = "是否触发锁定"
    parameter_name = "locked_out"

    def lookups(self, request, model_admin):
        return (("1", "触发锁定的那一次"), ("0", "其他"))

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(locked_out=self.value() == "1")
        return queryset


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Failed logins (django-axes' failure log, counted by ``orgs.lockout``) and unlocking.

    Superusers only. Nothing is edited or deleted here; the two actions clear the failures that
    count towards the limits and write an ``auth.unlocked`` audit event each."""

    list_display = ("time", "login_name", "address", "triggered", "status")
    list_filter = (TriggeredFilter,)
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"
    list_per_page = 50  # the status column asks the limits for each row
    readonly_fields = ("attempt_time", "username", "ip_address", "user_agent", "path_info", "locked_out")
    fields = readonly_fields
    actions = ["unlock_accounts", "unlock_addresses"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_unlock_permission(self, request):
        return self.has_module_permission(request)

    @admin.display(description="时间", ordering="attempt_time")
    def time(self, obj):
        return timezone.localtime(obj.attempt_time).strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description="登录名", ordering="username")
    def login_name(self, obj):
        return obj.username or "—"

    @admin.display(description="网络地址", ordering="ip_address")
    def address(self, obj):
        return obj.ip_address or "—"

    @admin.display(description="触发锁定", boolean=True)
    def triggered(self, obj):
        return obj.locked_out

    @admin.display(description="当前状态")
    def status(self, obj):
        found = lockout.locks(obj.username, obj.ip_address)
        if not found:
            return "—"
        until = max(lock.until for lock in found)
        return f"锁定至 {timezone.localtime(until):%m-%d %H:%M}"

    @admin.action(description="解锁所选记录的账号(清除该账号在各网络地址的失败次数)", permissions=["unlock"])
    def unlock_accounts(self, request, queryset):
        names = sorted({name for name in queryset.values_list("username", flat=True) if name})
        cleared = sum(lockout.unlock(username=name, actor=request.user) for name in names)
        self.message_user(request, f"已解锁 {len(names)} 个账号,清除失败记录 {cleared} 条。")

    @admin.action(description="解除所选记录的网络地址限制", permissions=["unlock"])
    def unlock_addresses(self, request, queryset):
        addresses = sorted({ip for ip in queryset.values_list("ip_address", flat=True) if ip})
        cleared = sum(lockout.unlock(ip_address=ip, actor=request.user) for ip in addresses)
        self.message_user(request, f"已解除 {len(addresses)} 个网络地址的限制,清除失败记录 {cleared} 条。")
