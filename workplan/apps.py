from django.apps import AppConfig


class WorkplanConfig(AppConfig):
    name = "workplan"
    verbose_name = "督查督办"
