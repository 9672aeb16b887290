"""The current time for business records, overridable for a block of code.

Services take "now" from here, so that the demo generator can replay months of realistic
history through the real services (``with clock.frozen(moment): …``) and every timestamp —
of the case and of its audit events — agrees. Tests use time-machine instead.
"""

import contextlib
import contextvars
import datetime

from django.utils import timezone

_override: contextvars.ContextVar[datetime.datetime | None] = contextvars.ContextVar(
    "luoshi_now", default=None
)


def now() -> datetime.datetime:
    return _override.get() or timezone.now()


@contextlib.contextmanager
def frozen(moment: datetime.datetime):
    if timezone.is_naive(moment):
        raise ValueError("clock.frozen needs an aware datetime")
    token = _override.set(moment)
    try:
        yield moment
    finally:
        _override.reset(token)
