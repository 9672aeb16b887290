"""Benchmark: the cost of scoped reads on the demo district, per demo account.

    .venv/bin/python bench/scoping.py [--db sqlite:////tmp/luoshi-bench.sqlite3] [--repeat 30]

Builds the demo district into the given database if it is not there, then times, for each demo
account: the scope lookup, the people list (count + first page of 50), an org search, and the
home page (all sections). Prints the median and p90 in milliseconds, and the query count.
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
    parser.add_argument("--db", default="sqlite:////tmp/luoshi-bench.sqlite3")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    os.environ["LUOSHI_DATABASE_URL"] = args.db
    os.environ.setdefault("LUOSHI_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luoshi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.home import home_sections
    from demo.orgs import build_demo
    from orgs import selectors
    from orgs.models import User
    from orgs.scoping import forget_scopes, scope_paths

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        summary = build_demo(stdout=devnull)
    print(f"demo district ready in {time.perf_counter() - started:.1f} s ({connection.vendor})")

    def measure(fn):
        times, queries = [], 0
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1000)
            queries = len(ctx.captured_queries)
        times.sort()
        return statistics.median(times), times[int(len(times) * 0.9) - 1], queries

    print(f"{'account':<12}{'operation':<16}{'median ms':>10}{'p90 ms':>9}{'queries':>9}")
    for username in [account.username for account in summary.accounts]:
        user = User.objects.get(username=username)

        def fresh_scope(user=user):
            forget_scopes(user)
            scope_paths(user, "view")

        def people(user=user):
            page = selectors.people_list(user)
            page.count()
            list(page[:50])

        def search(user=user):
            list(selectors.search_orgs(user, "社区"))

        def home(user=user):
            forget_scopes(user)
            for section in home_sections(user):
                list(section.items)

        for name, fn in (
            ("scope", fresh_scope),
            ("people page", people),
            ("org search", search),
            ("home", home),
        ):
            median, p90, queries = measure(fn)
            print(f"{username:<12}{name:<16}{median:>10.2f}{p90:>9.2f}{queries:>9}")


if __name__ == "__main__":
    main()
