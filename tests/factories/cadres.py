"""Factories of cadre supervision (干部监督). Rows made here skip the services' audit events; a test
of reads or permissions uses ``cadres.services``."""

import datetime as dt

import factory

from cadres.models import Accountability, Adjustment, CadreFile, Ground, Inspection

from .orgs import CommunityFactory, PersonFactory

ORG_PATH = factory.LazyAttribute(lambda o: o.org.path)


class GroundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ground
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test.{n}")
    kind = "unsuitable"
    regulation = "推进领导干部能上能下规定"
    article = factory.Sequence(lambda n: f"第五条第({n})项")
    text = "领导能力不足,不能有效履职"


class CadreFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CadreFile

    org = factory.SubFactory(CommunityFactory)
    org_path = ORG_PATH
    person = factory.SubFactory(PersonFactory, org=factory.SelfAttribute("..org"))
    rank = "正科级"
    post = "社区居委会主任"


class _OnFile(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    file = factory.SubFactory(CadreFileFactory)
    org = factory.SelfAttribute("file.org")
    org_path = ORG_PATH


class InspectionFactory(_OnFile):
    class Meta:
        model = Inspection

    held_on = dt.date(2026, 11, 2)
    occasion = "annual"
    political_level = "good"
    conduct_level = "good"
    integrity_level = "good"
    style_level = "fair_good"


class AdjustmentFactory(_OnFile):
    class Meta:
        model = Adjustment

    kind = "promote"
    decided_on = dt.date(2026, 11, 20)


class CadreAccountabilityFactory(_OnFile):
    """A 问责 of a leader (通报); pass ``target="organization"``, ``party_org`` and ``file=None``
    with ``org`` = the party organization's host for one of an organization."""

    class Meta:
        model = Accountability

    target = "leader"
    form = "circular"
    ground = factory.SubFactory(GroundFactory, kind="accountability", regulation="中国共产党问责条例")
    decided_on = dt.date(2026, 11, 25)
    decided_by = "中共望城区委"
    facts = "落实主体责任不到位"
