from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = "组织与人员"

    def ready(self):
        from . import home, scoping  # noqa: F401  (home-page sections; the grants behind scoping)
