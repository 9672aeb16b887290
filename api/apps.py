from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "接口"

    def ready(self):
        from core.textguard import register_responder

        from . import navigation, services, tasks  # noqa: F401  (audit codes, the menu entry, the webhook job)
        from .errors import refuse_bad_input
        from .open311.views import refuse_bad_input as open311_refusal

        register_responder("/api/v1/", refuse_bad_input)
        register_responder("/open311/", open311_refusal)
