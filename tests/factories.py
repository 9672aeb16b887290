"""Factories for every model (factory_boy). Org nodes go through the tree API (treebeard)."""

import datetime

import factory
from django.contrib.auth import get_user_model

from orgs.models import Org, Person, Position, RoleGrant
from orgs.validators import id_check_digit
from party.models import Member

_seq = iter(range(1, 10**6))


def valid_id_number(birth: datetime.date = datetime.date(1985, 6, 1), male: bool = True) -> str:
    serial = (next(_seq) * 2) % 1000 + (1 if male else 0)
    first17 = f"430104{birth:%Y%m%d}{serial:03d}"
    return first17 + id_check_digit(first17)


def make_org(parent: Org | None, kind: str, name: str, **extra) -> Org:
    fields = {"kind": kind, "name": name, **extra}
    if parent is None:
        return Org.objects.add_root(create_kwargs=fields)
    return Org.objects.add_child(parent, create_kwargs=fields)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-123456")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

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
    kind = "staff"
    start_on = datetime.date(2024, 1, 1)


class RoleGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleGrant

    user = factory.SubFactory(UserFactory)
    start_on = datetime.date(2024, 1, 1)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    person = factory.SubFactory(PersonFactory)
    category = "formal"
    joined_on = datetime.date(2010, 7, 1)
    full_member_on = datetime.date(2011, 7, 1)


def invalid_id_number() -> str:
    """A well-formed ID number with a wrong check digit."""
    number = valid_id_number()
    return number[:17] + ("1" if number[17] != "1" else "2")
