import logging

from django_tasks import task

from core.jobs import retry
from core.periodic import periodic

from .webhooks import INTERVAL

log = logging.getLogger(__name__)


@periodic(every=INTERVAL)
@retry(retries=3, backoff=60)  # each delivery is claimed by a lease and sent with its id
@task()
def push_webhooks() -> dict:
    """事件推送: turn new case events into deliveries and send the due ones (with retries)."""
    from .webhooks import collect, deliver_due

    created = collect()
    report = deliver_due()
    if created or report.delivered or report.retried or report.failed:
        log.info(
            "webhooks: %s new, %s delivered, %s retried, %s given up",
            created,
            report.delivered,
            report.retried,
            report.failed,
        )
    return {"new": created, "delivered": report.delivered, "retried": report.retried, "failed": report.failed}
