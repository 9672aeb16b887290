from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "workdays"
    verbose_name = "工作日历"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import events, health, home  # noqa: F401  (audit event codes, the /healthz check, the home section)
        from .calendar import CONFIGURATION
        from .models import CalendarOverride, OfficialYear

        # the calendar's copy of the administrators' rows (calendar.CONFIGURATION): seen at once
        for model in (CalendarOverride, OfficialYear):
            label = model._meta.label_lower
            post_save.connect(CONFIGURATION.changed, sender=model, dispatch_uid=f"{label}.calendar.save")
            post_delete.connect(CONFIGURATION.changed, sender=model, dispatch_uid=f"{label}.calendar.delete")
