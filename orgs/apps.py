from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = "组织与人员"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.health import demo_probe

        from . import home, navigation, scoping  # noqa: F401  (home-page sections, menu entries, the grants behind scoping)
        from .models import Org
        from .selectors import ANCESTORS, is_demo_installation

        # the copy of the tree behind selectors.ancestors: a saved org is seen at once (moves and
        # archiving go through QuerySet.update: orgs.services tells the copy itself)
        post_save.connect(ANCESTORS.changed, sender=Org, dispatch_uid="orgs.ancestors.save")
        post_delete.connect(ANCESTORS.changed, sender=Org, dispatch_uid="orgs.ancestors.delete")

        demo_probe(is_demo_installation)  # the demo banner
