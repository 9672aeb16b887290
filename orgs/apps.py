from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = "组织与人员"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.health import demo_probe

        from . import home, navigation, scoping  # noqa: F401  (home-page sections, menu entries, the grants behind scoping)
        from .models import Org
        from .selectors import is_demo_installation, tree_changed

        # the copies of the tree (selectors.TREE_COPIES): a saved org is seen at once (moves and
        # archiving go through QuerySet.update: orgs.services tells the copies itself)
        post_save.connect(tree_changed, sender=Org, dispatch_uid="orgs.tree.save")
        post_delete.connect(tree_changed, sender=Org, dispatch_uid="orgs.tree.delete")

        demo_probe(is_demo_installation)  # the demo banner
