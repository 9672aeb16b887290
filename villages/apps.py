from django.apps import AppConfig


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = "村级事务(四议两公开)"

    def ready(self):
        from . import media, tasks  # noqa: F401  (photos behind the media view, the disclosure reminder job)
