import datetime
import logging

from django_tasks import task

from core.periodic import periodic

log = logging.getLogger(__name__)


@periodic(every=datetime.timedelta(minutes=10))
@task()
def supervise_cases() -> dict:
    """督查问效 pass: reminders, supervision notices and circulars for open cases."""
    from .supervision import supervise

    report = supervise()
    log.info(
        "supervision: %s reminders, %s notices, %s circulars, %s already sent",
        report.reminders,
        report.notices,
        report.circulars,
        report.skipped,
    )
    return {
        "reminders": report.reminders,
        "notices": report.notices,
        "circulars": report.circulars,
        "errors": report.errors,
    }
