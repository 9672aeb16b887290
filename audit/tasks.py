import datetime
import logging

from django.conf import settings
from django_tasks import task

from core.periodic import periodic

from .checkpoints import CheckpointRefused, make_checkpoint
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


@periodic(every=datetime.timedelta(hours=getattr(settings, "AUDIT_CHECKPOINT_HOURS", 6)))
@task()
def checkpoint_audit_chains() -> int:
    """Every few hours: a signed checkpoint of all chain heads. Returns its number (0: refused)."""
    try:
        return make_checkpoint().seq
    except CheckpointRefused as refused:
        for problem in refused.problems:
            log.error("audit checkpoint refused: %s", problem)
        return 0
