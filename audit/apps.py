from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "审计日志"

    def ready(self):
        from . import checks, guard, tasks  # noqa: F401  (registers the periodic jobs and checks)

        connection_created.connect(guard.register_sqlite_function, dispatch_uid="luoshi_audit_sqlite")
        post_migrate.connect(guard.install_after_migrate, sender=self, dispatch_uid="luoshi_audit_triggers")
