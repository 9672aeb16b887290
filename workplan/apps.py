from django.apps import AppConfig


class WorkplanConfig(AppConfig):
    name = "workplan"
    verbose_name = "督查督办"

    def ready(self):
        # Registers the home-page sections, the menu entries, the files, the periodic ladder and the
        # audit event codes.
        from . import escalation, home, media, navigation, services, tasks  # noqa: F401
