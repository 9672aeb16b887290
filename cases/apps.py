from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "网格事项"

    def ready(self):
        from . import home, media, navigation, resident, summaries, tasks  # noqa: F401  (home sections, photos, menu, jobs, health)

        # the monthly figures follow every save of a case, a lead assignment or an urge
        summaries.connect()
