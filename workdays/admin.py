"""Admin for the working-day calendar: holiday overrides and year confirmations, all audited."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count

from . import calendar as workcal
from . import services
from .models import WEEKDAYS, CalendarOverride, OfficialYear


class _FallbackWarningMixin:
    """Show the "year not entered yet" warning on the changelist."""

    def changelist_view(self, request, extra_context=None):
        warning = workcal.fallback_years_warning()
        if warning:
            messages.warning(request, warning)
        return super().changelist_view(request, extra_context)


def _changed_reason(form, prefix: str) -> str:
    labels = [str(form.fields[name].label or name) for name in form.changed_data if name in form.fields]
    return f"{prefix}:{'、'.join(labels)}" if labels else prefix


class YearFilter(admin.SimpleListFilter):
    title = "年度"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).dates("date", "year", order="DESC")
        return [(str(day.year), f"{day.year}年") for day in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(date__year=int(self.value()))
        return queryset


class CalendarOverrideForm(forms.ModelForm):
    class Meta:
        model = CalendarOverride
        fields = ("date", "kind", "name", "note")

    def clean_date(self):
        day = self.cleaned_data["date"]
        if not workcal.chinesecalendar_covers(day.year) and not (
            workcal.FALLBACK_MIN_YEAR <= day.year <= workcal.FALLBACK_MAX_YEAR
        ):
            raise forms.ValidationError(
                f"工作日历只支持 {workcal.FALLBACK_MIN_YEAR}–{workcal.FALLBACK_MAX_YEAR} 年的日期。"
            )
        return day


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(_FallbackWarningMixin, admin.ModelAdmin):
    form = CalendarOverrideForm
    list_display = ("date", "weekday", "kind", "name", "note", "created_by", "created_at")
    list_display_links = ("date",)
    list_filter = ("kind", YearFilter, "name")
    date_hierarchy = "date"
    search_fields = ("name", "note")
    ordering = ("-date",)
    readonly_fields = ("created_by", "created_at")
    list_select_related = ("created_by",)
    actions = ["confirm_years"]

    @admin.display(description="星期")
    def weekday(self, obj):
        return f"周{WEEKDAYS[obj.date.weekday()]}"

    def save_model(self, request, obj, form, change):
        reason = _changed_reason(form, "后台修改") if change else "后台录入"
        services.save_override(obj, actor=request.user, reason=reason)
        base = workcal.WorkCalendar().base_day_info(obj.date)
        if base.is_workday == obj.is_workday:
            state = "工作日" if base.is_workday else "休息日"
            day = obj.date.isoformat()
            messages.info(request, f"提示:{day} 按内置日历本来就是{state},此项调整不改变结果。")

    def delete_model(self, request, obj):
        services.delete_override(obj, actor=request.user, reason="后台删除")

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                services.delete_override(obj, actor=request.user, reason="后台批量删除")

    def has_confirm_permission(self, request):
        return request.user.has_perm("workdays.add_officialyear")

    @admin.action(description="确认所选日期所在年度的国务院放假安排已全部录入", permissions=["confirm"])
    def confirm_years(self, request, queryset):
        years = sorted({day.year for day in queryset.values_list("date", flat=True)})
        for year in years:
            if workcal.chinesecalendar_covers(year):
                messages.info(request, f"{year}年的放假安排已内置于系统日历,无需确认。")
                continue
            _, created = services.confirm_year(year, actor=request.user, reason="后台确认(节假日调整列表)")
            if created:
                messages.success(request, f"已确认{year}年的放假安排已录入,该年度不再按推算日历处理。")
            else:
                messages.info(request, f"{year}年此前已确认。")


class OfficialYearForm(forms.ModelForm):
    class Meta:
        model = OfficialYear
        fields = ("year", "note")

    def clean_year(self):
        year = self.cleaned_data["year"]
        if self.instance._state.adding and workcal.chinesecalendar_covers(year):
            raise forms.ValidationError(f"{year}年的放假安排已内置于系统日历,无需确认。")
        return year


@admin.register(OfficialYear)
class OfficialYearAdmin(_FallbackWarningMixin, admin.ModelAdmin):
    form = OfficialYearForm
    list_display = ("year", "override_count", "confirmed_by", "confirmed_at", "note")
    date_hierarchy = "confirmed_at"
    list_filter = ("confirmed_at",)
    search_fields = ("note",)
    list_select_related = ("confirmed_by",)

    def get_readonly_fields(self, request, obj=None):
        fields = ("confirmed_by", "confirmed_at")
        return ("year", *fields) if obj is not None else fields

    @admin.display(description="已录入调整数")
    def override_count(self, obj):
        return CalendarOverride.objects.filter(date__year=obj.year).count()

    def save_model(self, request, obj, form, change):
        reason = _changed_reason(form, "后台修改") if change else "后台确认"
        services.save_official_year(obj, actor=request.user, reason=reason)
        if not change:
            count = CalendarOverride.objects.filter(date__year=obj.year).aggregate(n=Count("pk"))["n"]
            if not count:
                message = f"{obj.year}年尚未录入任何节假日调整,请核对是否已录入国务院放假安排。"
                messages.warning(request, message)

    def delete_model(self, request, obj):
        services.unconfirm_year(obj, actor=request.user, reason="后台撤销确认")

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                services.unconfirm_year(obj, actor=request.user, reason="后台批量撤销确认")
