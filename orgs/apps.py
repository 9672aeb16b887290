from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = "组织与人员"

    def ready(self):
        from core.health import demo_probe

        from . import home, navigation, scoping  # noqa: F401  (home-page sections, menu entries, the grants behind scoping)
        from .selectors import is_demo_installation

        demo_probe(is_demo_installation)  # the demo banner
