import datetime
import logging

from django_tasks import task

from core.periodic import periodic

log = logging.getLogger(__name__)


@periodic(every=datetime.timedelta(hours=1))
@task()
def workplan_ladder() -> dict:
    """督查督办 pass: reminders, supervision notices, circulars and accountability proposals."""
    from .escalation import run_ladder

    report = run_ladder()
    log.info(
        "workplan ladder: %s reminders, %s notices, %s circulars, %s proposals, %s already done",
        report.reminders,
        report.notices,
        report.circulars,
        report.proposals,
        report.skipped,
    )
    return {
        "reminders": report.reminders,
        "notices": report.notices,
        "circulars": report.circulars,
        "proposals": report.proposals,
        "errors": report.errors,
    }
