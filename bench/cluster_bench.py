"""Throughput of the production set-up on this machine (bench/README.md "Cluster"): requests/s and
p95 of the report page and a staff list page through nginx with 1 vs 2 web nodes, and notification
jobs/s with 1 vs 2 RQ workers. Starts the cluster of scripts/cluster.py (loopback only; same
environment variables) and removes it afterwards.

    .venv/bin/python bench/cluster_bench.py [--seconds 15] [--concurrency 8] [--jobs 300]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from cluster import Browser, Cluster, say, wait_for  # noqa: E402


def load(port: int, path: str, cookie: str, *, seconds: float, concurrency: int) -> dict:
    """``concurrency`` keep-alive clients GET ``path`` for ``seconds``; latencies in ms."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
                answer = connection.getresponse()
                answer.read()
                if answer.status != 200:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1) if latencies else None,
        "errors": errors[0],
    }


def worker_throughput(cluster: Cluster, workers: int, jobs: int, send_seconds: float) -> dict:
    for name in [n for n in cluster.procs if n.startswith("worker")]:
        cluster.stop(name)
    record = cluster.redis(2)
    record.delete("cluster:sent", "cluster:at")
    cluster.django(
        "from django.db import transaction\n"
        "from core.notify import notify\n"
        "from orgs.models import User\n"
        "user = User.objects.get(username='dudao')\n"
        f"for i in range({jobs}):\n"
        "    with transaction.atomic():\n"
        "        notify([user], kind='bench', title=f'压测通知 {i}')\n",
        timeout=600,
    )
    cluster.env["CLUSTER_SEND_SECONDS"] = str(send_seconds)
    for i in range(workers):
        cluster.start_worker(f"worker{i + 1}")
    wait_for(f"{jobs} deliveries", lambda: record.zcard("cluster:at") >= jobs, 900, every=0.5)
    times = [t for _, t in record.zrange("cluster:at", 0, -1, withscores=True)]
    span = max(times) - min(times)
    return {
        "workers": workers,
        "jobs": jobs,
        "gateway_delay_s": send_seconds,
        "jobs_per_s": round((len(times) - 1) / span, 1) if span else None,
        "seconds": round(span, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn processes per node")
    args = parser.parse_args()
    results = {"pages": [], "workers": []}
    cluster = Cluster(tick=15, web_workers=args.web_workers)
    try:
        cluster.start()
        browser = Browser()
        browser.login(cluster.url(), "dudao", "demo12345")
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        for label, port in (("1 node", cluster.nginx_node_ports[0]), ("2 nodes", cluster.lb_port)):
            for path, who in (("/report/", ""), ("/cases/", cookie)):
                load(port, path, who, seconds=2, concurrency=args.concurrency)  # warm-up
                row = {
                    "nodes": label,
                    "page": path,
                    **load(port, path, who, seconds=args.seconds, concurrency=args.concurrency),
                }
                say(json.dumps(row, ensure_ascii=False))
                results["pages"].append(row)
        for send_seconds in (0.0, 0.05):
            for workers in (1, 2):
                row = worker_throughput(cluster, workers, args.jobs, send_seconds)
                say(json.dumps(row))
                results["workers"].append(row)
    finally:
        cluster.close()
    print(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
