"""Django's ``flush``, allowed past the audit triggers (audit/guard.py).

``flush`` empties every table; on SQLite it does so with DELETE, which the append-only triggers
refuse. It is the test suite's reset between transactional tests and an explicit "remove all data"
command, so it runs in the audit maintenance mode. Nothing else does.
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from audit.guard import maintenance


class Command(FlushCommand):
    def handle(self, **options):
        with maintenance(connections[options["database"]]):
            return super().handle(**options)
