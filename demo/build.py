"""The demo district, built in one call (``luoshi demo`` and the date-spread test use this).

Each app's builder takes "now" from the clock (``django.utils.timezone.now``, which the tests
freeze with time-machine) and places its showcase states relative to that day, so the demo shows
every state whatever day it is built on. ``showcase`` lists what the demo accounts must find.
"""

from __future__ import annotations

from django.core import management

BUILDERS = (
    "build_demo",
    "build_demo_cases",
    "build_demo_intel",
    "build_demo_api",
    "build_demo_party",
    "build_demo_villages",
    "build_demo_workplan",
    "build_demo_cadres",
    "build_demo_rectify",
    "build_demo_walks",
)


def build_all(stdout=None) -> None:
    """Run every demo builder in order (each reuses what is already there); ``stdout=None``
    keeps their reports quiet."""
    import io

    from demo.bulk import analyze

    for name in BUILDERS:
        management.call_command(name, stdout=stdout if stdout is not None else io.StringIO())
        analyze()  # PostgreSQL: the next builder's queries planned on the rows just written
