"""The compliance rule registry: every rule the engine evaluates registers itself here, as periodic
jobs do with ``core.periodic.periodic``. The engine (``party.compliance.engine``) runs whatever is
registered; the catalogue (codes, Chinese labels, severities) is read from here and nowhere else.

A rule is a check function ``fn(engine) -> None`` that reads ``engine.ctx`` (the subtree's data,
``party.compliance.context.Context``) and reports findings with ``engine.add(code, org, reason,
…)``. It registers the codes it reports with ``@rule`` (one code) or ``@rules`` (several codes
found by one pass over the data)::

    from party.compliance.registry import Rule, rule, rules

    @rule(
        "meeting.bunched",
        "期末集中召开(被动召开)",
        severity="medium",
        data=("formalism.bunched_days", "formalism.bunched_min", "formalism.bunched_share"),
        cites="formalism.bunched_days",
        source="《中国共产党支部工作条例(试行)》第十三条",
    )
    def bunched(engine): ...

    @rules(
        Rule("dev.rush", "突击发展党员", "medium", data=("dev.rush_days",), cites="dev.rush_days"),
        Rule("dev.structure", "发展党员结构未达计划", "low", cites="dev.rush_days"),
    )
    def plans(engine): ...

- ``code``: the finding's rule code (``Finding.rule``), unique over all apps;
- ``label``: its title in Chinese (``Finding.title``);
- ``severity``: ``high`` / ``medium`` / ``low``, the default a finding may override;
- ``data``: the ``RuleParameter`` codes the check reads (its rule data);
- ``cites``: the rule parameter whose source text a finding quotes when the check passes none;
- ``source``: the regulation the rule encodes (documentation of the catalogue).

A check that reports on an organization from records of other organizations (another branch's
minutes, a committee's admissions from its branches …) is also decorated ``@whole_subtree`` (outermost):
the incremental recomputation of stored findings (``party.snapshots.incremental``) runs it over the
whole subtree every time, and the others over the changed branches only.

The module that holds the check must be imported when Django starts: party's own rules live in
``party/compliance/rules/`` and are all imported by ``PartyConfig.ready()`` (``rules.load()``,
every module of the package); another app registers from a module its own ``AppConfig.ready()``
imports (``villages/compliance.py``), and declares with ``reads("villages.")`` the audit subjects
whose changes make stored findings stale (``party.snapshots.services``). Checks run in the order they
registered; the findings are sorted afterwards, so that order does not change any result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    severity: str
    data: tuple[str, ...] = ()
    cites: str | None = None
    source: str = ""
    check: Callable | None = field(default=None, compare=False)


_RULES: dict[str, Rule] = {}
_CHECKS: list[Callable] = []


def rules(*specs: Rule) -> Callable[[Callable], Callable]:
    """Register ``specs`` as the rules the decorated check function reports."""

    def register(check: Callable) -> Callable:
        for spec in specs:
            if spec.severity not in SEVERITIES:
                raise ValueError(f"{spec.code}: unknown severity {spec.severity!r}")
            known = _RULES.get(spec.code)
            if known is not None and known.check is not check and _name(known.check) != _name(check):
                raise ValueError(f"compliance rule {spec.code} registered twice")
            _RULES[spec.code] = Rule(
                spec.code, spec.label, spec.severity, tuple(spec.data), spec.cites, spec.source, check
            )
        names = [_name(fn) for fn in _CHECKS]
        if _name(check) in names:  # a module imported again (reload): replace, keep the order
            _CHECKS[names.index(_name(check))] = check
        else:
            _CHECKS.append(check)
        return check

    return register


def rule(
    code: str,
    label: str,
    *,
    severity: str,
    data: tuple[str, ...] = (),
    cites: str | None = None,
    source: str = "",
) -> Callable[[Callable], Callable]:
    """Register the decorated check function as the one rule ``code`` (see ``rules``)."""
    return rules(Rule(code, label, severity, data, cites, source))


_WHOLE: set[str] = set()


def whole_subtree(check: Callable) -> Callable:
    """Mark ``check`` as reading records outside the organizations it reports on (another
    branch's minutes or photos, every admission under a committee's plan, the units with no party
    organization …): an incremental recomputation (``party.snapshots.incremental``) runs it over
    the whole subtree every time instead of over the changed organizations only. Every other check
    must report on an organization only from the records of that organization and its party
    groups (and the rule data, the organization tree, the people's names)."""
    _WHOLE.add(_name(check))
    return check


def is_whole_subtree(check: Callable) -> bool:
    return _name(check) in _WHOLE


_SOURCES: list[str] = []


def reads(*prefixes: str) -> None:
    """Declare that registered rules read records whose audit subjects start with ``prefixes``
    (e.g. ``"villages."``): an event of such a subject makes stored findings stale
    (``party.snapshots.services``)."""
    for prefix in prefixes:
        if prefix not in _SOURCES:
            _SOURCES.append(prefix)


def sources() -> tuple[str, ...]:
    """The audit subject prefixes declared with ``reads``."""
    return tuple(_SOURCES)


def _name(fn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def get(code: str) -> Rule:
    """The registered rule ``code`` (KeyError when no app registered it)."""
    return _RULES[code]


def catalogue() -> dict[str, Rule]:
    """Every registered rule by code, in registration order."""
    return dict(_RULES)


def checks() -> list[Callable]:
    """The registered check functions, in registration order (each runs once per check)."""
    return list(_CHECKS)
