import datetime
import logging

from django_tasks import task

from core.periodic import periodic

log = logging.getLogger(__name__)


@periodic(every=datetime.timedelta(hours=24))
@task()
def retrain_category_model() -> dict:
    """Daily: retrain the category model on registered cases; keep the old one if the new is worse."""
    from .classify import train_from_cases

    result = train_from_cases()
    log.info("intel retrain: %s", result.reason)
    return {
        "version": result.version.pk if result.version else None,
        "activated": result.activated,
        "reason": result.reason,
    }
