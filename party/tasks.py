import datetime
import logging

from django_tasks import task

from core.periodic import periodic
from party.snapshots.services import (
    refresh_due,
    refresh_findings,  # noqa: F401  (queued by snapshots; the path of queued jobs)
)

log = logging.getLogger(__name__)


@periodic(every=datetime.timedelta(hours=24))
@task()
def remind_expiring_terms() -> int:
    """任期届满提醒: once a day, remind organizations whose term ends within six months (rule data)."""
    from party.terms.services import remind_expiring_terms as remind

    sent = remind()
    log.info("term reminders: %s", sent)
    return sent


@periodic(every=datetime.timedelta(minutes=30))
@task()
def refresh_findings_snapshots() -> dict:
    """Keep the dashboard quarters of the large subtrees viewed this week fresh; prune the rest."""
    report = refresh_due()
    log.info("findings snapshots: %s", report)
    return report
