"""The service kit: the explicit actor (a user or SYSTEM; None refused), require, clean_text, today."""

import copy
import datetime as dt
import pickle

import pytest
from django.contrib.auth.models import AnonymousUser

from audit.models import AuditEvent
from audit.services import Subject, record
from core import kit
from core.actors import SYSTEM, System, is_system, user_or_none
from core.errors import PermissionDenied, ServiceError
from orgs.permissions import require, require_everywhere
from orgs.roles import Role
from tests.conftest import grant


def test_system_is_one_named_object():
    assert System() is SYSTEM
    assert repr(SYSTEM) == "SYSTEM"
    assert copy.deepcopy(SYSTEM) is SYSTEM
    assert pickle.loads(pickle.dumps(SYSTEM)) is SYSTEM


def test_none_is_not_an_actor():
    with pytest.raises(TypeError, match="pass SYSTEM for system actions"):
        is_system(None)
    assert is_system(SYSTEM)


def test_user_or_none_stores_no_user_for_the_system():
    assert user_or_none(SYSTEM) is None
    assert user_or_none(None) is None
    assert user_or_none(AnonymousUser()) is None


def test_require(world):
    dispatcher = grant(world, "dispatcher", Role.DISPATCHER, "s1")
    require(SYSTEM, "dispatch", world["s1"], "不可")
    require(dispatcher, "dispatch", world["c1"], "不可")
    with pytest.raises(PermissionDenied, match="^不可$"):
        require(dispatcher, "dispatch", world["s2"], "不可")
    with pytest.raises(PermissionDenied, match="^不可$"):
        require(dispatcher, "dispatch", None, "不可")
    with pytest.raises(TypeError, match="pass SYSTEM"):
        require(None, "dispatch", world["s1"], "不可")


def test_require_everywhere(world):
    admin = grant(world, "admin", Role.ADMIN, "district")
    require_everywhere(SYSTEM, "change", "不可")
    with pytest.raises(PermissionDenied, match="^不可$"):
        require_everywhere(admin, "change", "不可")  # a district's admin is not everywhere
    admin.is_superuser = True
    require_everywhere(admin, "change", "不可")
    with pytest.raises(TypeError):
        require_everywhere(None, "change", "不可")


def test_clean_text():
    assert kit.clean_text("  说明 ", "note", "说明") == "说明"
    assert kit.clean_text(None, "note", "说明") == ""
    with pytest.raises(ServiceError, match="^请填写说明$") as error:
        kit.clean_text(" ", "note", "说明", required=True)
    assert error.value.field == "note"
    assert kit.clean_text("字" * 200, "note", "说明") == "字" * 200
    with pytest.raises(ServiceError, match="^说明不能超过5字$"):
        kit.clean_text("字" * 6, "note", "说明", limit=5)


def test_today_is_the_shanghai_date():
    assert kit.today() == dt.date(2026, 12, 7)  # the frozen clock: 2026-12-07 10:00 Asia/Shanghai


@pytest.mark.django_db(transaction=False)
def test_audit_records_the_system_as_system(world):
    from django.db import transaction

    with transaction.atomic():
        event = record(Subject("orgs.org", "x", label="测试"), "org.updated", actor=SYSTEM)
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor is None and event.actor_label == "系统"
