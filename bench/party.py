"""Benchmark: the compliance engine on the demo district (a year of organization life).

    .venv/bin/python bench/party.py [--db sqlite:////tmp/luoshi-party-bench.sqlite3] [--repeat 5]

Builds the demo district and its organization life into the given database if they are not there,
then times ``compliance.check`` for the whole district (last twelve months), for one street's
working committee and for one branch; prints the median and the worst run in milliseconds, the
query count and the number of findings. (The 10,000-branch generator of the issue is not written
yet.)
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite:////tmp/luoshi-party-bench.sqlite3")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ["LUOSHI_DATABASE_URL"] = args.db
    os.environ.setdefault("LUOSHI_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luoshi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orgs.demo import build_demo
    from orgs.models import Org
    from party import compliance
    from party.demo import build_demo_party

    call_command("migrate", verbosity=0)
    build_demo()
    build_demo_party()
    root = Org.objects.get(depth=1, kind="party_committee", is_demo=True)
    targets = [
        ("全区(区委)", root),
        ("望月湖街道党工委", Org.objects.get(short_name="望月湖街道党工委")),
        ("湖东社区党支部", Org.objects.get(short_name="湖东社区党支部")),
    ]
    print(f"{'scope':<16} {'median ms':>10} {'max ms':>8} {'queries':>8} {'findings':>9}")
    for label, org in targets:
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                found = compliance.check(org)
                times.append((time.perf_counter() - started) * 1000)
        median = statistics.median(times)
        print(f"{label:<16} {median:>10.0f} {max(times):>8.0f} {len(queries):>8} {len(found):>9}")


if __name__ == "__main__":
    main()
