from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "网格事项"

    def ready(self):
        from . import home, tasks  # noqa: F401  (registers home-page sections and periodic jobs)
