"""Factories of 领导干部走流程: a leader on the walk list, a walk, its steps, checklist answers,
problems and photos."""

import datetime as dt

import factory

from walks.models import ChecklistItem, Leader, Walk, WalkCheck, WalkPhoto, WalkProblem, WalkStep

from .orgs import DepartmentFactory, PersonFactory

ORG_PATH = factory.LazyAttribute(lambda o: o.org.path)


class ChecklistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistItem

    code = factory.Sequence(lambda n: f"item{n}")
    label = factory.Sequence(lambda n: f"检查项{n}")
    sort = factory.Sequence(lambda n: n)


class LeaderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Leader

    org = factory.SubFactory(DepartmentFactory)
    org_path = ORG_PATH
    person = factory.SubFactory(PersonFactory, org=factory.SelfAttribute("..org"))
    title = "局长"
    level = "department"


class WalkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Walk

    leader = factory.SubFactory(LeaderFactory)
    org = factory.SelfAttribute("leader.org")
    org_path = ORG_PATH
    service = "办理不动产登记"
    place = "区政务服务中心"
    as_whom = "resident"
    walked_on = dt.date(2026, 12, 1)


class WalkStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WalkStep

    walk = factory.SubFactory(WalkFactory)
    sort = factory.Sequence(lambda n: n + 1)
    title = "取号排队"
    minutes = 20


class WalkCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WalkCheck

    walk = factory.SubFactory(WalkFactory)
    item = factory.SubFactory(ChecklistItemFactory)
    label = factory.SelfAttribute("item.label")
    reached = True


class WalkProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WalkProblem

    walk = factory.SubFactory(WalkFactory)
    sort = factory.Sequence(lambda n: n + 1)
    description = "窗口只开一个,等候时间长"


class WalkPhotoFactory(factory.django.DjangoModelFactory):
    """A stored photo's row (the file itself is not written)."""

    class Meta:
        model = WalkPhoto

    problem = factory.SubFactory(WalkProblemFactory)
    file = "walks/1/photo.jpg"
