from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "workdays"
    verbose_name = "工作日历"

    def ready(self):
        from . import events, health, home  # noqa: F401  (audit event codes, the health check, the home section)
