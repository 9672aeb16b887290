from django.apps import AppConfig


class IntelConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "intel"
    verbose_name = "智能辅助"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from cases import assist
        from cases.models import Category

        from . import navigation, suggest_for_case, tasks  # noqa: F401  (registers the menu entry and the periodic retrain job)
        from .classify import KEYWORD_RULES
        from .feedback import record_feedback
        from .models import KeywordRule

        # cases asks its assistant through cases.assist: the panel's suggestions, the feedback
        assist.register(suggest=suggest_for_case, on_decided=record_feedback)
        # the suggestions' copy of the keyword rules (classify.KEYWORD_RULES)
        for model in (KeywordRule, Category):
            uid = f"intel.keyword_rules.{model.__name__}"
            post_save.connect(KEYWORD_RULES.changed, sender=model, dispatch_uid=f"{uid}.save")
            post_delete.connect(KEYWORD_RULES.changed, sender=model, dispatch_uid=f"{uid}.delete")
