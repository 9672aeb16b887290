"""Factories of the org tree, accounts, people, positions and role grants.

Org nodes go through the tree API (treebeard): ``make_org`` and the ``OrgFactory`` family, each kind
under the parent the tree allows (a grid under a community under a street under a district; a branch
under a working committee under a party committee, hosted by a community)."""

import datetime

import factory
from django.contrib.auth import get_user_model

from orgs.models import Org, Person, Position, RoleGrant
from orgs.roles import Role
from orgs.validators import id_check_digit

_seq = iter(range(1, 10**6))


def valid_id_number(birth: datetime.date = datetime.date(1985, 6, 1), male: bool = True) -> str:
    serial = (next(_seq) * 2) % 1000 + (1 if male else 0)
    first17 = f"430104{birth:%Y%m%d}{serial:03d}"
    return first17 + id_check_digit(first17)


def invalid_id_number() -> str:
    """A well-formed ID number with a wrong check digit."""
    number = valid_id_number()
    return number[:17] + ("1" if number[17] != "1" else "2")


def make_org(parent: Org | None, kind: str, name: str, **extra) -> Org:
    fields = {"kind": kind, "name": name, **extra}
    if parent is None:
        return Org.objects.add_root(create_kwargs=fields)
    return Org.objects.add_child(parent, create_kwargs=fields)


# -- the org tree ---------------------------------------------------------------------------------


class OrgFactory(factory.django.DjangoModelFactory):
    """A node of the org tree; ``parent`` (None: a root) is where ``make_org`` puts it. Subclasses
    give each kind a parent the tree allows. ``build`` gives an unsaved node without a path."""

    class Meta:
        model = Org

    parent = None
    kind = "district"
    name = factory.Sequence(lambda n: f"测试{n}区")

    @classmethod
    def _create(cls, model_class, parent=None, kind="district", name="", **kwargs):
        return make_org(parent, kind, name, **kwargs)

    @classmethod
    def _build(cls, model_class, parent=None, **kwargs):
        return model_class(**kwargs)


class DistrictFactory(OrgFactory):
    kind = "district"
    name = factory.Sequence(lambda n: f"望城{n}区")
    code = factory.Sequence(lambda n: f"43{n:04d}")


class StreetFactory(OrgFactory):
    parent = factory.SubFactory(DistrictFactory)
    kind = "street"
    name = factory.Sequence(lambda n: f"白沙{n}街道")


class TownFactory(OrgFactory):
    parent = factory.SubFactory(DistrictFactory)
    kind = "town"
    name = factory.Sequence(lambda n: f"莲花{n}镇")


class CommunityFactory(OrgFactory):
    parent = factory.SubFactory(StreetFactory)
    kind = "community"
    name = factory.Sequence(lambda n: f"枫林{n}社区")


class VillageFactory(OrgFactory):
    parent = factory.SubFactory(TownFactory)
    kind = "village"
    name = factory.Sequence(lambda n: f"桐木{n}村")
    households = 420


class GridFactory(OrgFactory):
    parent = factory.SubFactory(CommunityFactory)
    kind = "grid"
    name = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.name}第{n}网格")
    households = 380


class DepartmentFactory(OrgFactory):
    parent = factory.SubFactory(DistrictFactory)
    kind = "department"
    name = factory.Sequence(lambda n: f"区第{n}城市管理局")


class PartyCommitteeFactory(OrgFactory):
    kind = "party_committee"
    name = factory.Sequence(lambda n: f"中共望城{n}区委员会")
    short_name = "区委"


class WorkingCommitteeFactory(OrgFactory):
    parent = factory.SubFactory(PartyCommitteeFactory)
    kind = "working_committee"
    host = factory.SubFactory(StreetFactory)
    name = factory.LazyAttribute(lambda o: f"中共{o.host.name}工作委员会")


class BranchFactory(OrgFactory):
    """A community party branch under a street working committee, hosted by a community."""

    parent = factory.SubFactory(WorkingCommitteeFactory)
    kind = "branch"
    host = factory.SubFactory(CommunityFactory)
    name = factory.LazyAttribute(lambda o: f"中共{o.host.name}支部委员会")


# -- accounts and people --------------------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-123456")


class PersonFactory(factory.django.DjangoModelFactory):
    """A resident of a community, with a valid (encrypted) ID number and phone."""

    class Meta:
        model = Person
        skip_postgeneration_save = True

    org = factory.SubFactory(CommunityFactory)
    org_path = factory.LazyAttribute(lambda o: o.org.path)
    name = factory.Sequence(lambda n: f"测试人员{n}")
    gender = "M"
    birth_date = datetime.date(1985, 6, 1)

    @factory.post_generation
    def personal(self, create, extracted, **kwargs):
        self.set_id_number(valid_id_number(self.birth_date, self.gender == "M"))
        self.set_phone("13812345678")
        if create:
            self.save()


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    person = factory.SubFactory(PersonFactory)
    org = factory.SubFactory(DepartmentFactory)
    org_path = factory.LazyAttribute(lambda o: o.org.path)
    kind = "staff"
    start_on = datetime.date(2024, 1, 1)


class RoleGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleGrant

    user = factory.SubFactory(UserFactory)
    org = factory.SubFactory(CommunityFactory)
    org_path = factory.LazyAttribute(lambda o: o.org.path)
    role = Role.COMMUNITY_STAFF
    start_on = datetime.date(2024, 1, 1)
