from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "网格事项"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from orgs.selectors import TREE_COPIES

        from . import home, media, navigation, resident, summaries, tasks  # noqa: F401  (home sections, photos, menu, jobs, health)
        from .deadlines import RULES
        from .locate import GRIDS
        from .models import SlaRule

        # the monthly figures follow every save of a case, a lead assignment or an urge
        summaries.connect()
        # the stage clocks' copy of the SLA rules (deadlines.RULES): a changed rule is seen at once
        post_save.connect(RULES.changed, sender=SlaRule, dispatch_uid="cases.sla_rules.save")
        post_delete.connect(RULES.changed, sender=SlaRule, dispatch_uid="cases.sla_rules.delete")
        # the located reports' copy of the grid outlines (locate.GRIDS): any org change rebuilds it
        if GRIDS not in TREE_COPIES:
            TREE_COPIES.append(GRIDS)
