"""Benchmark: the weight and load time of the public report page (我要反映, ``/report/``).

    .venv/bin/python bench/report_page.py [--db sqlite:////tmp/luoshi-bench-report.sqlite3] [--runs 5]
        [--port 8765]

Migrates and builds the demo district (1,048 grids) when absent, starts ``manage.py runserver``
(DEBUG on: static files served by Django, uncompressed) and opens the page in Debian's chromium
(Playwright) on a 390 px phone viewport with an empty cache, ``--runs`` times. Prints:

- weight: every response the page loads (HTML, CSS, JS, the grid GeoJSON when it is fetched
  separately), bytes as served and gzip-compressed (``gzip -6``, what a front proxy would send);
- load time: median of the runs, to the ``load`` event and until the map shows its grids
  (a ``.leaflet-container`` with at least one grid ``path``).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "sqlite:////tmp/luoshi-bench-report.sqlite3"


def prepare(db: str) -> None:
    os.environ["LUOSHI_DATABASE_URL"] = db
    os.environ.setdefault("LUOSHI_DEBUG", "1")
    os.environ.setdefault("LUOSHI_DEMO_APP", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luoshi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from demo.orgs import build_demo

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as devnull:
        build_demo(stdout=devnull)


def serve(db: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "LUOSHI_DATABASE_URL": db, "LUOSHI_DEBUG": "1"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/report/", timeout=2).read()
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("runserver did not start")


def measure(port: int, runs: int) -> None:
    from playwright.sync_api import sync_playwright

    url = f"http://127.0.0.1:{port}/report/"
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Debian chromium is needed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        loads, maps, weights = [], [], None
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            bodies: dict[str, bytes] = {}

            def keep(response, bodies=bodies):
                if response.url.startswith(f"http://127.0.0.1:{port}/"):
                    with contextlib.suppress(Exception):  # a redirect has no body
                        bodies[response.url] = response.body()

            page.on("response", keep)
            started = time.perf_counter()
            page.goto(url, wait_until="load")
            loads.append((time.perf_counter() - started) * 1000)
            page.wait_for_selector(".leaflet-container path.leaflet-interactive", timeout=30000)
            maps.append((time.perf_counter() - started) * 1000)
            page.wait_for_load_state("networkidle")
            weights = dict(bodies)
            context.close()
        browser.close()
    assert weights is not None
    total = total_gz = 0
    print(f"{'resource':<60}{'bytes':>10}{'gzip':>10}")
    for resource, body in sorted(weights.items(), key=lambda item: -len(item[1])):
        size, size_gz = len(body), len(gzip.compress(body, 6))
        total, total_gz = total + size, total_gz + size_gz
        print(f"{resource.split(str(port), 1)[1][:58]:<60}{size:>10,}{size_gz:>10,}")
    print(f"{'total':<60}{total:>10,}{total_gz:>10,}")
    load, shown = statistics.median(loads), statistics.median(maps)
    print(f"load event: median {load:.0f} ms; map with grids: median {shown:.0f} ms ({runs} runs)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    prepare(args.db)
    server = serve(args.db, args.port)
    try:
        measure(args.port, args.runs)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
