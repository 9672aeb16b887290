"""Benchmark: the cost of one ``audit.record`` (the hot path of every service), and the size of a
checkpoint of many chains.

    .venv/bin/python bench/audit.py [--db sqlite:////tmp/luoshi-audit-bench.sqlite3] [--n 400]
    .venv/bin/python bench/audit.py --db postgres://postgres@127.0.0.1:5432/luoshi_bench_audit
    .venv/bin/python bench/audit.py --db … --checkpoint-subjects 100000   # + checkpoint size/time

Each record runs in its own transaction, as in a service: half of them extend existing chains
(head ``SELECT … FOR UPDATE`` + INSERT + UPDATE), half start new ones (+ INSERT of the head).
Prints the median and p95 in milliseconds and the statements per record.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from core.actors import SYSTEM

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite:////tmp/luoshi-audit-bench.sqlite3")
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--checkpoint-subjects", type=int, default=0)
    args = parser.parse_args()
    if args.db.startswith("sqlite:") and os.path.exists(args.db.split("sqlite:///", 1)[1]):
        os.remove(args.db.split("sqlite:///", 1)[1])
    os.environ["LUOSHI_DATABASE_URL"] = args.db
    os.environ.setdefault("LUOSHI_SECRET_KEY", "bench-only-key")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luoshi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    from audit.services import Subject, record

    def one(i, subject):
        with transaction.atomic():
            record(
                subject,
                "org.updated",
                actor=SYSTEM,
                reason=f"bench {i}",
                after={"i": i, "name": "望月湖街道"},
            )

    existing = Subject("orgs.org", "bench-1", label="望月湖街道")
    for i in range(20):  # warm up
        one(i, existing)
    times_extend, times_new = [], []
    with CaptureQueriesContext(connection) as captured:
        one(0, existing)
    per_record = len(
        [q for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    )
    for i in range(args.n):
        subject = existing if i % 2 == 0 else Subject("orgs.org", f"new-{i}", label=f"新对象 {i}")
        started = time.perf_counter()
        one(i, subject)
        (times_extend if i % 2 == 0 else times_new).append((time.perf_counter() - started) * 1000)

    def fmt(values):
        values = sorted(values)
        return (
            f"median {statistics.median(values):.3f} ms, p95 {values[int(0.95 * (len(values) - 1))]:.3f} ms"
        )

    print(f"{connection.vendor}: {per_record} statements per record (extend)")
    print(f"  extend an existing chain: {fmt(times_extend)}")
    print(f"  start a new chain:        {fmt(times_new)}")
    if args.checkpoint_subjects:
        checkpoint_bench(args.checkpoint_subjects)


def checkpoint_bench(subjects):
    import hashlib

    from django.db import connection

    from audit import checkpoints, keys
    from audit.models import AuditHead

    rows = [
        AuditHead(
            subject_type="cases.case" if i % 3 else "workplan.task",
            subject_id=str(100000 + i),
            seq=1 + i % 17,
            last_hash=hashlib.sha256(str(i).encode()).hexdigest(),
        )
        for i in range(subjects)
    ]
    for head in rows:
        keys.seal_head(head)
    AuditHead.objects.bulk_create(rows, batch_size=5000)
    started = time.perf_counter()
    checkpoint = checkpoints.make_checkpoint()
    took = time.perf_counter() - started
    print(
        f"{connection.vendor}: checkpoint of {checkpoint.chains} chains / {checkpoint.events} events:"
        f" {took:.2f} s, counts blob {len(checkpoint.counts)} bytes"
    )
    started = time.perf_counter()
    problems = list(checkpoints.compare_heads(checkpoint))
    print(f"  compare heads with it: {time.perf_counter() - started:.2f} s, {len(problems)} problems")


if __name__ == "__main__":
    main()
