import datetime
import logging

from django_tasks import task

from core.periodic import periodic

log = logging.getLogger(__name__)


@periodic(every=datetime.timedelta(hours=6))
@task()
def village_disclosure_reminders() -> dict:
    """四议两公开 pass: reminders of disclosures due soon or late (village and township)."""
    from .reminders import run

    report = run()
    log.info(
        "village disclosures: %s due, %s late, %s already reminded", report.due, report.late, report.skipped
    )
    return {"due": report.due, "late": report.late, "skipped": report.skipped}
