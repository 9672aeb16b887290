"""合规检查: the compliance engine and its rule registry.

- ``registry``: rules register themselves (``@rule`` / ``@rules``); the catalogue is read from it.
- ``engine``: ``check(root, start, end, today)`` runs every registered rule over one ``Context``.
- ``context``: the subtree's data, one cached loader per data set.
- ``rules/``: party's own rules (imported by ``PartyConfig.ready()``); other apps register theirs
  from their own modules (``villages/compliance.py``).
- ``scoring``: scores (考评得分) from findings.
"""

from __future__ import annotations

from party.compliance import registry
from party.compliance.context import COMMITTEE_POSTS, Context
from party.compliance.dates import CST, default_window, periods, plus_months, quarter_label, quarter_of
from party.compliance.engine import BATCH_SETTINGS, SHOWN_EVIDENCE, Engine, check, run_checks
from party.compliance.findings import SEVERITY_LABELS, SEVERITY_ORDER, Finding
from party.compliance.kinds import ATTENDANCE_KINDS, BRANCH_PERIODIC, BUNCH_KINDS, MISSING_SEVERITY
from party.compliance.scoring import Score, root_score, scores, weight

__all__ = [
    "ATTENDANCE_KINDS",
    "BATCH_SETTINGS",
    "BRANCH_PERIODIC",
    "BUNCH_KINDS",
    "COMMITTEE_POSTS",
    "CST",
    "MISSING_SEVERITY",
    "RULES",
    "SEVERITY_LABELS",
    "SEVERITY_ORDER",
    "SHOWN_EVIDENCE",
    "Context",
    "Engine",
    "Finding",
    "Score",
    "check",
    "default_window",
    "periods",
    "plus_months",
    "quarter_label",
    "quarter_of",
    "registry",
    "root_score",
    "run_checks",
    "scores",
    "weight",
]


def __getattr__(name: str):
    if name == "RULES":  # the catalogue as it was: code → (title, severity, cited rule parameter)
        return {code: (r.label, r.severity, r.cites) for code, r in registry.catalogue().items()}
    raise AttributeError(name)
