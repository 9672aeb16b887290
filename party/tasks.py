import datetime
import logging

from django_tasks import task

from core.jobs import retry
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


@retry(retries=3, backoff=60)  # recomputing a snapshot is idempotent
@task()
def refresh_findings(org_id: int, start: str, end: str, ref: str) -> bool:
    """Recompute a stale findings snapshot (研判快照) that a page served."""
    from .snapshots import refresh

    day = datetime.date.fromisoformat
    return refresh(org_id, day(start), day(end), day(ref))


@periodic(every=datetime.timedelta(minutes=30))
@task()
def refresh_findings_snapshots() -> dict:
    """Keep the dashboard quarters of the large subtrees viewed this week fresh; prune the rest."""
    from .snapshots import refresh_due

    report = refresh_due()
    log.info("findings snapshots: %s", report)
    return report
