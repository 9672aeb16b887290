"""Party's compliance rules, one module per area; each registers its checks with
``party.compliance.registry``. ``load()`` imports every module of this package (autodiscovery:
a new module needs no other edit); ``PartyConfig.ready()`` calls it."""

from __future__ import annotations

import importlib
import pkgutil

# The areas in the order their checks register (the findings are sorted afterwards).
ORDER = ("organization", "life", "formalism", "cadres", "talks", "development", "membership", "study_group")


def load() -> None:
    found = [name for _, name, _ in pkgutil.iter_modules(__path__)]
    for name in sorted(found, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n)):
        importlib.import_module(f"{__name__}.{name}")
