import datetime
import logging

from django_tasks import task

from core.periodic import periodic

log = logging.getLogger(__name__)


@periodic(every=datetime.timedelta(hours=24))
@task()
def remind_expiring_terms() -> int:
    """任期届满提醒: once a day, remind organizations whose term ends within six months (rule data)."""
    from .terms import remind_expiring_terms as remind

    sent = remind()
    log.info("term reminders: %s", sent)
    return sent
