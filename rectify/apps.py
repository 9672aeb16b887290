from django.apps import AppConfig


class RectifyConfig(AppConfig):
    name = "rectify"
    label = "rectify"
    verbose_name = "巡视巡察整改"

    def ready(self):
        # The menu entry, the sources of problem lists, and the 转整改 action on party's findings.
        from . import finding_action, navigation, sources  # noqa: F401
