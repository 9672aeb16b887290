from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "网格事项"

    def ready(self):
        from . import home, media, navigation, resident, tasks  # noqa: F401  (home sections, photos, menu, jobs, health)
