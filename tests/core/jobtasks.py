"""Tasks used by the job tests (importable by a worker subprocess as ``tests.core.jobtasks``)."""

import time
from pathlib import Path

from django_tasks import task

from core.jobs import retry

CALLS: list[str] = []


def _mark(path: str, line: str) -> None:
    with Path(path).open("a", encoding="utf-8") as f:
        f.write(line + "\n")


@task()
def slow_mark(path: str, seconds: float) -> str:
    """Writes ``start``, sleeps, writes ``done``: a job to kill mid-run."""
    _mark(path, "start")
    time.sleep(seconds)
    _mark(path, "done")
    return "ok"


@retry(retries=2, backoff=10)
@task()
def flaky(name: str) -> str:
    CALLS.append(name)
    raise RuntimeError("gateway down")
