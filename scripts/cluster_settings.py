"""Settings of the cluster test (scripts/cluster.py): production settings plus a recording
notification backend, so that the test can count each notification's deliveries."""

import os

from luoshi.settings import *  # noqa: F403

LUOSHI_NOTIFY_BACKENDS = ["cluster_support.RecordingBackend"]
# rq's SimpleWorker gives a started job a heartbeat of (job timeout + 60 s); a job of a killed
# worker is taken up again only after that. The test's jobs are short, so a short timeout keeps
# the kill -9 check within the test's time (production: 600 s, i.e. recovery after ~11 minutes).
if os.environ.get("CLUSTER_JOB_TIMEOUT") and "RQ_QUEUES" in globals():
    RQ_QUEUES["default"]["DEFAULT_TIMEOUT"] = int(os.environ["CLUSTER_JOB_TIMEOUT"])  # noqa: F405
