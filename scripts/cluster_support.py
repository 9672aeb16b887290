"""Test-only pieces of the cluster test: a notification backend that records every delivery in
Redis (``CLUSTER_RECORD_URL``) after a simulated gateway delay (``CLUSTER_SEND_SECONDS``). While a
send is in progress, ``cluster:sending:<pid>`` holds the notification id, so the test can kill a
worker exactly in the middle of a delivery (claimed, not yet sent)."""

import os
import time


class RecordingBackend:
    def send(self, notification) -> None:
        import redis

        client = redis.Redis.from_url(os.environ["CLUSTER_RECORD_URL"])
        marker = f"cluster:sending:{os.getpid()}"
        client.set(marker, notification.pk, ex=60)
        time.sleep(float(os.environ.get("CLUSTER_SEND_SECONDS", "0")))
        client.hincrby("cluster:sent", str(notification.pk), 1)
        client.zadd("cluster:at", {str(notification.pk): time.time()})
        client.delete(marker)
