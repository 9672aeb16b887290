"""Concurrent HTTP load on a local ``luoshi serve``: no connection may be reset or refused.

    .venv/bin/python bench/http_load.py --port 8000 --concurrency 200 --requests 4000 /healthz /login/

Every one of ``--concurrency`` threads opens a new connection per request (the hard case for a
listen backlog: 200 connects arrive at once), GETs the paths in turn, and stops when the total
``--requests`` is reached or ``--seconds`` have passed. Prints requests/s, latency percentiles and
every failure by kind; exits 1 if any request failed (a reset, a refusal, a timeout or a 5xx).
Loopback only: it refuses any other host.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import ipaddress
import socket
import sys
import threading
import time


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", default=["/healthz", "/login/"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--requests", type=int, default=4000, help="total requests (at most 100000)")
    parser.add_argument("--seconds", type=float, default=60, help="stop after this long (at most 600)")
    parser.add_argument("--timeout", type=float, default=30, help="per request")
    args = parser.parse_args(argv)
    address = ipaddress.ip_address(socket.gethostbyname(args.host))
    if not address.is_loopback:
        parser.error("only a server on this machine (loopback) may be loaded")
    total = min(args.requests, 100_000)
    deadline = time.monotonic() + min(args.seconds, 600)

    lock = threading.Lock()
    issued = 0
    latencies: dict[str, list[float]] = collections.defaultdict(list)
    failures: collections.Counter[str] = collections.Counter()
    start_gate = threading.Barrier(args.concurrency)

    def take() -> int | None:
        nonlocal issued
        with lock:
            if issued >= total or time.monotonic() > deadline:
                return None
            issued += 1
            return issued

    def run() -> None:
        start_gate.wait()  # all threads connect at the same moment
        while (n := take()) is not None:
            path = args.paths[n % len(args.paths)]
            began = time.perf_counter()
            conn = http.client.HTTPConnection(args.host, args.port, timeout=args.timeout)
            try:
                conn.request("GET", path, headers={"Connection": "close"})
                response = conn.getresponse()
                response.read()
                if response.status >= 500:
                    raise RuntimeError(f"HTTP {response.status}")
            except Exception as error:  # noqa: BLE001 - every failure is counted by kind
                with lock:
                    failures[f"{path}: {type(error).__name__} {error}"[:120]] += 1
            else:
                with lock:
                    latencies[path].append(time.perf_counter() - began)
            finally:
                conn.close()

    threads = [threading.Thread(target=run, daemon=True) for _ in range(args.concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(deadline - time.monotonic(), 0) + args.timeout + 5)
    elapsed = time.perf_counter() - began

    done = sum(len(values) for values in latencies.values())
    failed = sum(failures.values())
    rate = done / elapsed
    print(f"{args.concurrency} threads, {done + failed} requests in {elapsed:.1f} s: {rate:.0f} req/s")
    print(f"{'path':<12} {'ok':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for path in args.paths:
        values = sorted(latencies[path])
        cells = [percentile(values, f) * 1000 for f in (0.5, 0.95, 0.99)]
        cells.append((values[-1] if values else 0) * 1000)
        print(f"{path:<12} {len(values):>6} " + " ".join(f"{cell:>8.0f}" for cell in cells))
    print(f"failures: {failed}")
    for kind, count in failures.most_common():
        print(f"  {count:>6}  {kind}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
