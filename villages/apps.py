from django.apps import AppConfig


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = "村级事务(四议两公开)"

    def ready(self):
        # Photos behind the media view, the disclosure reminder job, the menu entry, the compliance
        # rules (registered with party's rule registry).
        from . import compliance, media, navigation, tasks  # noqa: F401
