from django.apps import AppConfig


class CadresConfig(AppConfig):
    name = "cadres"
    verbose_name = "干部监督"

    def ready(self):
        # The menu entry (holders only); the audit log's scoped pages never list cadres' events.
        from audit import events

        from . import navigation  # noqa: F401

        events.restrict_subjects("cadres.")
