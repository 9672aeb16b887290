"""Every concrete model of the project's apps has a factory in ``tests.factories`` or a stated reason
not to, and every factory makes a row that passes the model's own validation (``full_clean``: field
validators, choices, unique and check constraints)."""

import pytest
from django.apps import apps
from factory.django import DjangoModelFactory

from tests import factories

APPS = (
    "core",
    "audit",
    "orgs",
    "workdays",
    "cases",
    "workplan",
    "party",
    "villages",
    "intel",
    "api",
    "cadres",
    "walks",
    "rectify",
)

# Models without a factory, and why. Keep the reason: a test that needs such a row makes it the way
# the product does.
NO_FACTORY = {
    # derived data: kept by cases.summaries from the saves of cases, lead assignments and urges (a row
    # made by hand would disagree with summaries.check); tests make cases through the services
    "cases.MonthlyFigures": "kept by cases.summaries from cases, assignments and urges",
    # 理论学习中心组: a session is valid only with every member's attendance and a 领学/中心发言 among
    # those present, so tests build the group, plan and sessions through party.study_group.services
    # (tests/party/test_study_group.py shows how).
    "party.GroupMember": "built by party.study_group.services.add_member / import_leaders",
    "party.StudyPlan": "built by party.study_group.services.save_plan",
    "party.PlanTopic": "built by party.study_group.services.save_plan",
    "party.StudySession": "built by party.study_group.services.record_session",
    "party.SessionSpeech": "built by party.study_group.services.record_session",
    "party.SessionAttendance": "built by party.study_group.services.record_session",
    # 述职评议考核: a round's reporters, raters and sheets are valid only against the round's frozen
    # items and state; tests build them through party.duty_review.services (tests/party/test_duty_review.py).
    "party.ReviewRound": "built by party.duty_review.services.create_round / open_round",
    "party.ReviewReporter": "built by party.duty_review.services.add_reporter",
    "party.ReviewRater": "built by party.duty_review.services.assign_rater",
    "party.ReviewSheet": "built by party.duty_review.services.rate",
    "party.ReviewProblem": "built by party.duty_review.services.add_problem",
    # 扫码签到: a window is bound to its meeting's time and a sign-in to a signed token inside it.
    "party.SignInWindow": "built by party.life.signin.open_signin",
    "party.SignIn": "built by party.life.signin.sign_in",
    # 巡视巡察整改: a problem list is a work plan of kind 整改 and each item a task of it, so the three
    # rows come only together from rectify.services (tests/rectify/ shows how).
    "rectify.ProblemList": "built by rectify.services.create_list (with its 整改 work plan)",
    "rectify.Problem": "built by rectify.services.add_problem",
    "rectify.RectifyItem": "built by rectify.services.add_item (with its work-plan task)",
    # The audit trail is an append-only hash chain: each event links to the one before and the head
    # follows; rows come only from ``audit.services.record`` (inside the change's transaction), which
    # the services call. ``WebhookDeliveryFactory`` shows how a test gets an event.
    "audit.AuditEvent": "append-only chain, built by audit.services.record",
    "audit.AuditHead": "the chain's head, kept by audit.services.record",
    # Checkpoints are sealed with the audit key over the chains' heads (audit.services).
    "audit.AuditCheckpoint": "sealed by audit.services over the heads, with the audit key",
}


def _factories() -> dict[str, type[DjangoModelFactory]]:
    found = {}
    for name in factories.__all__:
        obj = getattr(factories, name)
        if isinstance(obj, type) and issubclass(obj, DjangoModelFactory) and not obj._meta.abstract:
            found[name] = obj
    return found


FACTORIES = _factories()


def _label(model) -> str:
    return model._meta.label


def _project_models():
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            if not model._meta.abstract and not model._meta.proxy:
                yield model


def test_every_model_has_a_factory_or_a_reason():
    covered = {_label(f._meta.model) for f in FACTORIES.values()}
    missing = sorted(_label(m) for m in _project_models() if _label(m) not in covered | NO_FACTORY.keys())
    assert not missing, f"models with neither a factory nor an entry in NO_FACTORY: {missing}"
    stale = sorted(NO_FACTORY.keys() & covered)
    assert not stale, f"listed in NO_FACTORY but have a factory: {stale}"
    unknown = sorted(NO_FACTORY.keys() - {_label(m) for m in _project_models()})
    assert not unknown, f"NO_FACTORY names models that do not exist: {unknown}"


def test_factories_are_exported_once():
    assert len(factories.__all__) == len(set(factories.__all__))


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factory_makes_a_valid_row(name):
    row = FACTORIES[name]()
    row.full_clean()
    fresh = type(row).objects.get(pk=row.pk)
    fresh.full_clean()
