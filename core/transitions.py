"""Transition tables: for one workflow, which actions each status allows and for whom.

One table per workflow (cases, work-plan tasks, member-development steps, village items) is read
by three parties that must agree (``tests/test_transitions.py`` proves it):

- the services, to refuse an action the current status does not allow (``check_status``) or the
  actor may not take (``check_permission``), with the messages they have always used;
- the pages, to choose which action forms to show (``available``);
- the API, to answer ``GET …/actions`` ("what may I do now", ``available`` plus the endpoint).

Modelled on Wagtail's ``actions/*`` (an action knows whether it may run: ``check()``; the service
function is its ``execute()``). ``core`` imports no domain app: the role check of a workflow is a
function the app passes in (``orgs.scoping.can`` for most), and every permission decision goes
through ``permitted``: ``SYSTEM`` (``core.actors``) skips permission checks, ``None`` is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .actors import is_system
from .errors import PermissionDenied, ServiceError, StateConflict

# A role check: ``role_check(actor, permission, org) -> bool`` (e.g. ``orgs.scoping.can``).
RoleCheck = Callable[[Any, str, Any], bool]


def permitted(actor, check: Callable[[], bool]) -> bool:
    """Whether ``actor`` passes ``check``: the single place where the system actor is let through."""
    return is_system(actor) or bool(check())


@dataclass(frozen=True)
class Transition:
    """One action of a workflow.

    ``statuses``: the statuses of the object the action accepts. ``permission``: a permission code
    checked on the object's org through the workflow's role check, or a callable
    ``(actor, obj) -> bool``; None: no permission check (the service decides alone). ``when``: an
    extra condition for offering the action (e.g. "not rated yet"); the service keeps its own
    message for it. ``parent_statuses``: for an object inside another (a case assignment), the
    statuses the parent must be in. ``endpoint``: the API path (formatted with
    ``Workflow.url_args``). ``refusal``/``denied``: the messages of the refusals (``{status}``:
    the status label; ``{obj}``: the object)."""

    action: str
    label: str
    statuses: frozenset[str]
    permission: str | Callable[[Any, Any], bool] | None = None
    refusal: str = ""
    denied: str = ""
    when: Callable[[Any], bool] | None = None
    parent_statuses: frozenset[str] | None = None
    endpoint: str = ""
    method: str = "POST"


def transition(action: str, label: str, statuses: Iterable[str], **kwargs) -> Transition:
    parent = kwargs.pop("parent_statuses", None)
    return Transition(
        action,
        label,
        frozenset(statuses),
        parent_statuses=frozenset(parent) if parent is not None else None,
        **kwargs,
    )


@dataclass
class Workflow:
    """A workflow's transition table.

    ``status``/``status_label``: read an object's status and its display; ``org``: the org a
    permission is checked on; ``refusal``: the default message when the status does not allow an
    action (``{status}`` is the status label); ``conflict``: the error class for that refusal."""

    name: str
    transitions: list[Transition]
    role_check: RoleCheck
    status: Callable[[Any], str] = lambda obj: obj.status
    status_label: Callable[[Any], str] = lambda obj: obj.get_status_display()
    org: Callable[[Any], Any] = lambda obj: obj.org
    parent: Callable[[Any], Any] | None = None
    refusal: str = "当前为“{status}”,不能进行此操作"
    conflict: type[ServiceError] = StateConflict
    url_args: Callable[[Any], dict] = lambda obj: {"pk": obj.pk}
    by_action: dict[str, Transition] = field(init=False)

    def __post_init__(self) -> None:
        self.by_action = {t.action: t for t in self.transitions}

    def __getitem__(self, action: str) -> Transition:
        return self.by_action[action]

    def __contains__(self, action: str) -> bool:
        return action in self.by_action

    @property
    def actions(self) -> list[str]:
        return [t.action for t in self.transitions]

    # -- status -----------------------------------------------------------------------------------

    def allowed(self, action: str, status: str) -> bool:
        """Whether ``action`` is allowed from ``status`` (the table alone: no actor, no extras)."""
        return status in self[action].statuses

    def statuses(self, action: str) -> frozenset[str]:
        return self[action].statuses

    def parent_statuses(self, action: str) -> frozenset[str]:
        statuses = self[action].parent_statuses
        if statuses is None:
            raise KeyError(f"{self.name}.{action} has no parent statuses")
        return statuses

    def check_status(self, action: str, obj, *, refusal: str = "") -> None:
        """Refuse (``conflict``) when ``obj``'s status does not allow ``action``."""
        entry = self[action]
        if self.status(obj) not in entry.statuses:
            message = refusal or entry.refusal or self.refusal
            raise self.conflict(message.format(status=self.status_label(obj), obj=obj))

    # -- permission -------------------------------------------------------------------------------

    def may(self, actor, action: str, obj) -> bool:
        """Whether ``actor``'s roles allow ``action`` on ``obj`` (status not considered)."""
        permission = self[action].permission
        if permission is None:
            return True
        if callable(permission):
            return permitted(actor, lambda: permission(actor, obj))
        return permitted(actor, lambda: self.role_check(actor, permission, self.org(obj)))

    def check_permission(self, action: str, obj, actor, *, denied: str = "") -> None:
        if not self.may(actor, action, obj):
            message = denied or self[action].denied or "您没有进行此操作的权限"
            raise PermissionDenied(message.format(obj=obj))

    def check(self, action: str, obj, actor) -> None:
        """Status, then permission: raises what the services raise."""
        self.check_status(action, obj)
        self.check_permission(action, obj, actor)

    # -- what may be done now ---------------------------------------------------------------------

    def offered(self, entry: Transition, obj) -> bool:
        if self.status(obj) not in entry.statuses:
            return False
        parent = self.parent(obj) if self.parent is not None else None
        if (
            entry.parent_statuses is not None
            and parent is not None
            and parent.status not in entry.parent_statuses
        ):
            return False
        return entry.when is None or bool(entry.when(obj))

    def available(self, obj, user) -> list[Transition]:
        """The actions ``user`` may take on ``obj`` now, in table order."""
        return [t for t in self.transitions if self.offered(t, obj) and self.may(user, t.action, obj)]

    def describe(self, obj, user, prefix: str = "") -> list[dict]:
        """``available`` as the API answers it: code, label, method and endpoint."""
        args = self.url_args(obj)
        return [
            {
                "action": t.action,
                "label": t.label,
                "method": t.method if t.endpoint else None,
                "endpoint": prefix + t.endpoint.format(**args) if t.endpoint else None,
            }
            for t in self.available(obj, user)
        ]
