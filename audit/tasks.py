import datetime
import logging

from django_tasks import task

from core.periodic import periodic

from .verify import verify

log = logging.getLogger(__name__)


@periodic(every=datetime.timedelta(hours=24))
@task()
def verify_audit_chains() -> int:
    """Nightly: walk every audit chain; log each problem. Returns the number of problems."""
    problems = 0
    for problem in verify():
        problems += 1
        log.error("audit chain problem: %s", problem)
    if problems == 0:
        log.info("audit chains verified: no problems")
    return problems
