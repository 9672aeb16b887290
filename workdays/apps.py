from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "workdays"
    verbose_name = "工作日历"

    def ready(self):
        from . import events, home  # noqa: F401  (register audit event codes and the home section)
