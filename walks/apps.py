from django.apps import AppConfig


class WalksConfig(AppConfig):
    name = "walks"
    verbose_name = "领导干部走流程"

    def ready(self):
        # Problem photos behind the media view, the menu entry, the home-page section.
        from . import home, media, navigation  # noqa: F401
