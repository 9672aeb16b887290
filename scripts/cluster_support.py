"""Test-only pieces of the cluster test: a notification backend that records every delivery in
Redis (``CLUSTER_RECORD_URL``) after a simulated gateway delay (``CLUSTER_SEND_SECONDS``)."""

import os
import time


class RecordingBackend:
    def send(self, notification) -> None:
        import redis

        time.sleep(float(os.environ.get("CLUSTER_SEND_SECONDS", "0")))
        client = redis.Redis.from_url(os.environ["CLUSTER_RECORD_URL"])
        client.hincrby("cluster:sent", str(notification.pk), 1)
        client.zadd("cluster:at", {str(notification.pk): time.time()})
