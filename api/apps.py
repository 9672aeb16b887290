from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "接口"

    def ready(self):
        from . import services, tasks  # noqa: F401  (registers audit codes and the webhook job)
