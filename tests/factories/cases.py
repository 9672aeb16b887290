"""Factories of cases (接诉即办): categories and SLA rules, the responsibility catalogue, cases and
what hangs off them. A case sits in a grid (its ``org``), with the grid's community and street.

Most tests should still make cases through ``cases.services.report_case`` (numbering, location,
audit); ``CaseFactory`` is for rows a test needs as plain data."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from cases.models import (
    Case,
    CaseAssignment,
    CaseAttachment,
    CaseCounter,
    CaseFollow,
    CaseRequest,
    Category,
    EvaluationWeights,
    ReporterDelivery,
    ReporterMessage,
    Responsibility,
    SlaRule,
    SupervisionNotice,
)
from orgs.models import Org

from .orgs import DepartmentFactory, DistrictFactory, GridFactory, UserFactory

ORG_PATH = factory.LazyAttribute(lambda o: o.org.path)


class CategoryFactory(factory.django.DjangoModelFactory):
    """A small class (小类) of its own; the seeded GB/T classes are ``Category.objects.get(code=…)``."""

    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"T{n:04d}")
    name = factory.Sequence(lambda n: f"测试事项{n}")
    kind = "event"


class SlaRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlaRule

    category = factory.SubFactory(CategoryFactory)
    urgency = "ordinary"
    stage = "handle"
    limit = Decimal("5")
    unit = "work_days"
    effective_from = dt.date(2026, 1, 1)


class ResponsibilityFactory(factory.django.DjangoModelFactory):
    """责任清单 row: in ``org`` (an area) and below, ``category`` cases go to ``unit``."""

    class Meta:
        model = Responsibility

    org = factory.SubFactory(DistrictFactory)
    org_path = ORG_PATH
    category = factory.SubFactory(CategoryFactory)
    unit = factory.SubFactory(DepartmentFactory, parent=factory.SelfAttribute("..org"))


class EvaluationWeightsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationWeights

    effective_from = factory.Sequence(lambda n: dt.date(2030 + n // 12, n % 12 + 1, 1))
    # The model's defaults are floats; the same weights as decimals pass the field's validation.
    response = Decimal("0.10")
    resolution = Decimal("0.30")
    satisfaction = Decimal("0.30")
    on_time = Decimal("0.20")
    rework = Decimal("0.05")
    returns = Decimal("0.05")
    basic_satisfied_factor = Decimal("0.90")


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    grid = factory.SubFactory(GridFactory)
    community = factory.LazyAttribute(lambda o: Org.objects.get_parent(o.grid))
    street = factory.LazyAttribute(lambda o: Org.objects.get_parent(o.community))
    org = factory.SelfAttribute("grid")
    org_path = ORG_PATH
    number = factory.Sequence(lambda n: f"TS20261207-{n:04d}")
    channel = "public"
    title = "小区门口垃圾堆积"
    description = "小区门口垃圾堆了三天没人清运"
    address = factory.LazyAttribute(lambda o: f"{o.community.name}3栋门口")
    reporter_name = "张三"


class CaseAssignmentFactory(factory.django.DjangoModelFactory):
    """A unit's part in a case (the lead unit by default)."""

    class Meta:
        model = CaseAssignment

    case = factory.SubFactory(CaseFactory)
    org = factory.SubFactory(DepartmentFactory)
    org_path = ORG_PATH
    role = "lead"


class CaseAttachmentFactory(factory.django.DjangoModelFactory):
    """A stored file's row (the file itself is not written: pass ``file`` for a real one)."""

    class Meta:
        model = CaseAttachment

    case = factory.SubFactory(CaseFactory)
    stage = "report"
    file = "cases/x.jpg"


class CaseCounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseCounter

    day = factory.Sequence(lambda n: dt.date(2030, 1, 1) + dt.timedelta(days=n))


class SupervisionNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupervisionNotice

    case = factory.SubFactory(CaseFactory)
    org = factory.SelfAttribute("case.org")
    org_path = ORG_PATH
    kind = "reminder"
    stage = "handle"
    stage_due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))
    text = "该事项即将超期,请抓紧办理"


class CaseRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseRequest

    case = factory.SubFactory(CaseFactory)
    org = factory.SelfAttribute("case.org")
    org_path = ORG_PATH
    kind = "extension"
    reason = "需协调多个部门联合处置,申请延期5个工作日"
    requested_by = factory.SubFactory(UserFactory)


class CaseFollowFactory(factory.django.DjangoModelFactory):
    """A resident's follow (关注) of a public case."""

    class Meta:
        model = CaseFollow

    case = factory.SubFactory(CaseFactory)
    client = factory.Sequence(lambda n: f"{n:064x}")


class ReporterMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReporterMessage

    case = factory.SubFactory(CaseFactory)
    milestone = "received"
    round = factory.Sequence(lambda n: n)
    title = "您反映的问题已收到"
    text = "【落实】您反映的问题已收到。"


class ReporterDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReporterDelivery

    message = factory.SubFactory(ReporterMessageFactory)
    channel = "file"
