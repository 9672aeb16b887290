from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = "组织与人员"

    def ready(self):
        from core.health import demo_probe

        from . import home, navigation  # noqa: F401  (registers home-page sections and menu entries)
        from .selectors import is_demo_installation

        demo_probe(is_demo_installation)  # the demo banner
