from django.apps import AppConfig


class IntelConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "intel"
    verbose_name = "智能辅助"

    def ready(self):
        from . import navigation, tasks  # noqa: F401  (registers the menu entry and the periodic retrain job)
