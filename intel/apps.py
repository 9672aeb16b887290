from django.apps import AppConfig


class IntelConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "intel"
    verbose_name = "智能辅助"

    def ready(self):
        from cases import assist

        from . import navigation, suggest_for_case, tasks  # noqa: F401  (registers the menu entry and the periodic retrain job)
        from .feedback import record_feedback

        # cases asks its assistant through cases.assist: the panel's suggestions, the feedback
        assist.register(suggest=suggest_for_case, on_decided=record_feedback)
