from django.apps import AppConfig


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = "村级事务(四议两公开)"

    def ready(self):
        from . import tasks  # noqa: F401  (registers the disclosure reminder job)
