"""One transition table per workflow, and the three readers agree with it.

For each workflow (cases, work-plan tasks, 四议两公开 items, member development), for
representative objects in each status and each role:

- the actions the table says are available (``Workflow.available``) are exactly the action forms
  the page shows and exactly what ``GET …/actions`` answers;
- each service refuses an action the table disallows (StateConflict, or the workflow's own refusal)
  and accepts the one it allows.

``test_a_reader_that_disagrees_is_caught`` mutates the table as one reader sees it and shows the
check fails: the agreement is tested, not assumed.
"""

# Fixtures are imported from the app test packages (F811 on their use as arguments); the lambdas
# built in loops are called at once, inside the same iteration (B023).
# ruff: noqa: F811, B023

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from cases import coordination, selectors
from cases import services as case_services
from cases import workflow as case_workflow
from cases.models import Case, CaseStatus, ReturnReason
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError, StateConflict
from core.transitions import Workflow
from orgs.roles import Role
from party.development import services as development_services
from party.development.workflow import DEVELOPMENT
from villages import services as village_services
from villages.models import StepKind
from villages.workflow import DECISIONS
from workplan import services as wp_services
from workplan.models import TaskState
from workplan.workflow import TASKS

from .api.conftest import client_for
from .cases.conftest import actors, category, new_case, walk  # noqa: F401  (fixtures and helpers)
from .conftest import grant
from .party.conftest import branch, seeded  # noqa: F401  (fixtures)
from .party.test_development import apply
from .party.test_development import walk as dev_walk
from .villages.conftest import village  # noqa: F401  (fixture)
from .villages.test_villages import propose, through
from .workplan.conftest import make_task, pdf, plan, wp  # noqa: F401  (fixtures and helpers)

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


def attempt(call) -> ServiceError | None:
    """Run one service call in a savepoint that is always rolled back; return its refusal."""
    try:
        with transaction.atomic():
            call()
            raise _Rollback
    except _Rollback:
        return None
    except ServiceError as error:
        return error


def codes(actions) -> set[str]:
    return {a.action for a in actions}


def api_actions(user, path: str) -> set | None:
    response = client_for(user).get(path)
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.content
    return {(a["action"], a.get("assignment")) for a in response.json()}


# ---------------------------------------------------------------------------------------------
# Cases

CASE_URLS = {
    "register": "cases:register",
    "request_verification": "cases:request_verification",
    "reject": "cases:reject",
    "verify": "cases:verify",
    "dispatch": "cases:dispatch",
    "adjudicate": "cases:adjudicate",
    "check": "cases:check",
    "callback": "cases:callback",
    "summon": "cases:summon",
    "merge": "cases:merge",
    "public": "cases:set_public",
}
ASSIGNMENT_PANELS = {
    "sign": "sign",
    "return": "return_form",
    "feedback": "feedback_form",
    "report_in": "report_in_form",
}


def case_in(status: str, world, actors, category) -> Case:
    """A case in ``status``, built through the real services."""
    case = new_case(world)
    if status == CaseStatus.VERIFYING:
        return case_services.request_verification(case, actor=actors["dispatcher"])
    if status == CaseStatus.REJECTED:
        return case_services.reject_case(case, actor=actors["dispatcher"], reason="非本区事项")
    if status == CaseStatus.RETURNED:
        case = walk(case, actors, world, category, "dispatched")
        lead = case.assignments.get(role="lead")
        case_services.return_assignment(
            lead, actor=actors["handler"], reason=ReturnReason.values[0], note="非本单位职责"
        )
        return Case.objects.get(pk=case.pk)
    if status != CaseStatus.REPORTED:
        case = walk(case, actors, world, category, status)
    return Case.objects.get(pk=case.pk)


CASE_STATUSES = [
    CaseStatus.REPORTED,
    CaseStatus.VERIFYING,
    CaseStatus.REGISTERED,
    CaseStatus.DISPATCHED,
    CaseStatus.HANDLING,
    CaseStatus.FED_BACK,
    CaseStatus.CLOSED,
    CaseStatus.RETURNED,
    CaseStatus.REJECTED,
]


def case_table(case, user, cases: Workflow, assignments: Workflow) -> set:
    offered = {(action, None) for action in codes(cases.available(case, user))}
    if case.is_open:
        for assignment in selectors.my_assignments(user, case):
            offered |= {(a, assignment.pk) for a in codes(assignments.available(assignment, user))}
    return offered


def case_page(client, user, case) -> set | None:
    client.force_login(user)
    response = client.get(reverse("cases:detail", args=[case.number]))
    if response.status_code == 404:
        return None
    panels, html = response.context["panels"], response.content.decode()
    shown = set()
    for action, url in CASE_URLS.items():
        posted = reverse(url, args=[case.number]) in html
        assert (action in panels) == posted, (action, case.status)
        if posted:
            shown.add((action, None))
    for entry in panels.get("assignments", []):
        pk = entry["assignment"].pk
        shown |= {(action, pk) for action, key in ASSIGNMENT_PANELS.items() if entry.get(key)}
    return shown


def check_cases_agree(client, world, actors, category, cases=None, assignments=None) -> None:
    cases, assignments = cases or case_workflow.CASES, assignments or case_workflow.ASSIGNMENTS
    roles = ["dispatcher", "community", "handler", "worker", "supervisor", "other_dispatcher"]
    for status in CASE_STATUSES:
        case = case_in(status, world, actors, category)
        assert case.status == status
        for role in roles:
            user = actors[role]
            page = case_page(client, user, case)
            api = api_actions(user, f"/api/v1/cases/{case.number}/actions")
            if page is None:
                assert api is None, (status, role)  # both answer 404 to an outsider
                continue
            expected = case_table(case, user, cases, assignments)
            assert page == expected, (status, role, page, expected)
            assert api == expected, (status, role, api, expected)


def test_cases_table_page_and_api_agree(client, world, actors, category):
    check_cases_agree(client, world, actors, category)


def case_calls(case, world, category, master):
    return {
        "register": lambda: case_services.register_case(case, actor=SYSTEM, category=category),
        "request_verification": lambda: case_services.request_verification(case, actor=SYSTEM),
        "reject": lambda: case_services.reject_case(case, actor=SYSTEM, reason="重复反映"),
        "verify": lambda: case_services.record_verification(case, actor=SYSTEM, confirmed=True, note="属实"),
        "dispatch": lambda: case_services.dispatch_case(case, actor=SYSTEM, lead_unit=world["d1"]),
        "adjudicate": lambda: case_services.adjudicate_return(
            case, actor=SYSTEM, upheld=False, note="理由不成立"
        ),
        "check": lambda: case_services.check_case(case, actor=SYSTEM, passed=True, note=""),
        "callback": lambda: case_services.rate_case(
            case, token=case.access_token, resolved=True, satisfaction="satisfied"
        ),
        "summon": lambda: coordination.summon_units(case, actor=SYSTEM, units=[world["d1"]], note="联合处置"),
        "merge": lambda: coordination.merge_case(case, actor=SYSTEM, into=master, reason="同一问题"),
        "public": lambda: coordination.set_public(
            case, actor=SYSTEM, public=not case.is_public, reason="公开"
        ),
    }


def test_case_services_refuse_what_the_table_disallows(world, actors, category):
    master = new_case(world, description="同一处垃圾,另一位居民反映")
    for status in CASE_STATUSES:
        case = case_in(status, world, actors, category)
        for action, call in case_calls(case, world, category, master).items():
            error = attempt(call)
            if case_workflow.CASES.allowed(action, status):
                # Accepted: no refusal of the state machine (a validation message may remain,
                # e.g. summoning a unit that is already handling the case).
                assert not isinstance(error, StateConflict | PermissionDenied), (action, status, error)
            else:
                assert isinstance(error, StateConflict), (action, status, error)
                assert error.message == case_workflow.CASES[action].refusal.format(
                    status=case.get_status_display()
                ) or error.message == case_workflow.CASES.refusal.format(status=case.get_status_display())
        # Assignment actions: the case and the assignment status both come from the table.
        for assignment in case.assignments.all():
            for action, call in {
                "sign": lambda: case_services.sign_assignment(assignment, actor=SYSTEM),
                "return": lambda: case_services.return_assignment(
                    assignment, actor=SYSTEM, reason=ReturnReason.values[0], note="非本单位职责"
                ),
                "feedback": lambda: case_services.give_feedback(assignment, actor=SYSTEM, text="已处置"),
            }.items():
                error = attempt(call)
                table = case_workflow.ASSIGNMENTS
                allowed = table.allowed(action, assignment.status) and status in table.parent_statuses(action)
                assert isinstance(error, StateConflict) != allowed, (action, status, assignment.role, error)


def test_case_services_refuse_a_role_the_table_does_not_grant(world, actors, category):
    case = case_in(CaseStatus.REPORTED, world, actors, category)
    assert not case_workflow.CASES.may(actors["worker"], "register", case)
    with pytest.raises(PermissionDenied, match=case_workflow.CASES["register"].denied):
        case_services.register_case(case, actor=actors["worker"], category=category)
    assert case_workflow.CASES.may(actors["dispatcher"], "register", case)
    case_services.register_case(case, actor=actors["dispatcher"], category=category)


def test_a_reader_that_disagrees_is_caught(client, world, actors, category):
    """Mutate the table as the check sees it (the page, the API and the services still read the
    real one): the check fails — so it would fail for a reader that re-derived the rules."""
    mutated = Workflow(
        "cases (mutated)",
        [
            dataclasses.replace(t, statuses=t.statuses | {CaseStatus.VERIFYING})
            if t.action == "register"
            else t
            for t in case_workflow.CASES.transitions
        ],
        role_check=case_workflow.CASES.role_check,
        refusal=case_workflow.CASES.refusal,
        url_args=case_workflow.CASES.url_args,
    )
    with pytest.raises(AssertionError):
        check_cases_agree(client, world, actors, category, cases=mutated)
    # ... and the services disagree with the mutated table too.
    case = case_in(CaseStatus.VERIFYING, world, actors, category)
    assert mutated.allowed("register", case.status)
    assert isinstance(
        attempt(lambda: case_services.register_case(case, actor=SYSTEM, category=category)), StateConflict
    )


# ---------------------------------------------------------------------------------------------
# Work-plan tasks

TASK_URLS = {
    "report": "workplan:task_report",
    "co_input": "workplan:task_co_input",
    "verify": "workplan:task_verify",
    "close": "workplan:task_close",
    "change": "workplan:task_change",
    "cancel": "workplan:task_cancel",
}


def task_in(state: str, plan, wp):
    task = make_task(plan, wp, title=f"任务-{state}")
    if state == TaskState.ACTIVE:
        return task
    if state == TaskState.CANCELLED:
        return wp_services.cancel_task(task, actor=SYSTEM, reason="调整部署")
    wp_services.report_progress(
        task, actor=SYSTEM, percent=100, done_text="全部完成", complete=True, evidence=[("文件", pdf())]
    )
    if state != TaskState.SUBMITTED:
        wp_services.verify_completion(task, actor=SYSTEM, accept=True, note="材料齐全")
    if state == TaskState.CLOSED:
        wp_services.close_task(task, actor=SYSTEM)
    task.refresh_from_db()
    return task


def task_page(client, user, task) -> set | None:
    client.force_login(user)
    response = client.get(reverse("workplan:task", args=[task.pk]))
    if response.status_code == 404:
        return None
    panels, html = response.context["panels"], response.content.decode()
    for action, url in TASK_URLS.items():
        assert (action in panels) == (reverse(url, args=[task.pk]) in html), (action, task.state)
    return {action for action in TASK_URLS if action in panels}


def test_tasks_table_page_api_and_services_agree(client, wp, plan):
    make_task(plan, wp, title="首个任务")  # a plan is issued with at least one task
    wp_services.approve_plan(plan, actor=wp.users["dudao"])
    for state in TaskState.values:
        task = task_in(state, plan, wp)
        assert task.state == state
        for role in ("dudao", "bumen", "jiedao", "other_dudao", "outsider"):
            user = wp.users[role]
            page = task_page(client, user, task)
            api = api_actions(user, f"/api/v1/workplan/tasks/{task.pk}/actions")
            if page is None:
                assert api is None, (state, role)
                continue
            expected = codes(TASKS.available(task, user))
            assert page == expected, (state, role, page, expected)
            assert {a for a, _ in api} == expected, (state, role, api, expected)
        calls = {
            "report": lambda: wp_services.report_progress(task, actor=SYSTEM, percent=50, done_text="推进中"),
            "co_input": lambda: wp_services.submit_co_input(task, actor=SYSTEM, unit=wp["s1"], text="已配合"),
            "verify": lambda: wp_services.verify_completion(task, actor=SYSTEM, accept=True),
            "close": lambda: wp_services.close_task(task, actor=SYSTEM),
            "change": lambda: wp_services.update_task(task, actor=SYSTEM, title="调整后的任务"),
            "cancel": lambda: wp_services.cancel_task(task, actor=SYSTEM, reason="不再需要"),
        }
        for action, call in calls.items():
            error = attempt(call)
            assert isinstance(error, StateConflict) != TASKS.allowed(action, state), (action, state, error)


# ---------------------------------------------------------------------------------------------
# 四议两公开 items


def test_village_items_table_page_api_and_services_agree(client, world, village):
    secretary = grant(world, "t_shuji", Role.BRANCH_SECRETARY, "vbranch")
    staff = grant(world, "t_staff", Role.COMMUNITY_STAFF, "village")
    outsider = grant(world, "t_out", Role.COMMUNITY_STAFF, "c1")
    for done in range(1, 7):
        decision = through(propose(village), done)
        assert decision.done_steps == done
        for user in (secretary, staff, outsider):
            client.force_login(user)
            response = client.get(reverse("villages:detail", args=[decision.pk]))
            api = api_actions(user, f"/api/v1/villages/decisions/{decision.pk}/actions")
            if response.status_code == 404:
                assert api is None
                continue
            form = response.context["form"]
            page = {form.initial["kind"]} if form is not None else set()
            expected = codes(DECISIONS.available(decision, user))
            assert page == expected, (done, user.username, page, expected)
            assert {a for a, _ in api} == expected, (done, user.username, api, expected)
        for kind in StepKind.values[1:]:
            error = attempt(
                lambda kind=kind: village_services.record_step(
                    actor=SYSTEM, decision=decision, kind=kind, held_on=dt.date(2026, 12, 1), minutes="记录"
                )
            )
            refused = isinstance(error, ServiceError) and error.field == "kind"
            assert refused != DECISIONS.allowed(kind, decision.next_kind or "complete"), (done, kind, error)


# ---------------------------------------------------------------------------------------------
# Member development


def test_development_table_page_api_and_services_agree(client, world, branch):
    secretary = grant(world, "t_dev_shuji", Role.BRANCH_SECRETARY, "w1")
    outsider = grant(world, "t_dev_out", Role.BRANCH_SECRETARY, "other_party")
    applicants = [apply(branch, name=f"申请人{n}") for n in range(4)]
    active, probationary, full, cancelled = applicants
    dev_walk(active, branch, 6)
    dev_walk(probationary, branch, 18)
    dev_walk(full, branch, 25)
    development_services.cancel_applicant(actor=SYSTEM, applicant=cancelled, reason="本人申请终止")
    for applicant in applicants:
        applicant.refresh_from_db()
        for user in (secretary, outsider):
            client.force_login(user)
            response = client.get(reverse("party:development_applicant", args=[applicant.pk]))
            api = api_actions(user, f"/api/v1/party/development/applicants/{applicant.pk}/actions")
            if response.status_code == 404:
                assert api is None
                continue
            page = set()
            # the next step's form, or for a step the higher 党委 decides the branch's 提交上级党委
            if response.context["form"] is not None or response.context["submit_form"] is not None:
                page.add(response.context["next"].code)
            if response.context["can_cancel"]:
                page.add("cancel")
            expected = codes(DEVELOPMENT.available(applicant, user))
            assert page == expected, (applicant.status, page, expected)
            assert {a for a, _ in api} == expected, (applicant.status, api, expected)
        error = attempt(
            lambda a=applicant: development_services.cancel_applicant(
                actor=SYSTEM, applicant=a, reason="终止"
            )
        )
        assert (error is None) == DEVELOPMENT.allowed("cancel", applicant.status), (applicant.status, error)
        nxt = applicant.step + 1
        for number in (nxt, nxt + 1):
            if not 2 <= number <= 25:
                continue
            error = attempt(
                lambda a=applicant, n=number: development_services.record_step(
                    actor=SYSTEM, applicant=a, number=n, done_on=dt.date(2026, 12, 1)
                )
            )
            spec = development_services.development_steps.step(number)
            offered = DEVELOPMENT.offered(DEVELOPMENT[spec.code], applicant)
            refused = isinstance(error, ServiceError) and error.field == "number"
            assert refused != offered, (applicant.status, number, error)
