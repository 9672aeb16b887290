from django.apps import AppConfig


class RectifyConfig(AppConfig):
    name = "rectify"
    label = "rectify"
    verbose_name = "巡视巡察整改"

    def ready(self):
        # The menu entry, the sources of problem lists, and the 转整改 actions on party's findings
        # and on the 问题清单 of published 述职评议 rounds.
        from . import finding_action, navigation, review_action, sources  # noqa: F401
