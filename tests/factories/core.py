"""Factories of the core app: periodic jobs, in-app notifications and their deliveries, worker
heartbeats."""

import datetime as dt

import factory
from django.utils import timezone

from core.models import DocNumberCounter, Notification, NotificationDelivery, PeriodicJob, WorkerHeartbeat

from .orgs import UserFactory


class PeriodicJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PeriodicJob

    name = factory.Sequence(lambda n: f"tests.job_{n}")
    next_run_at = factory.LazyFunction(timezone.now)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    kind = "case_assigned"
    title = "您有一件新的事项待签收"
    body = "小区门口垃圾堆了三天没人清运"
    url = "/cases/"
    created_at = factory.LazyFunction(timezone.now)


class NotificationDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationDelivery

    notification = factory.SubFactory(NotificationFactory)
    backend = "core.notify.ConsoleBackend"
    claimed_at = factory.LazyFunction(timezone.now)


class WorkerHeartbeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkerHeartbeat

    worker_id = factory.Sequence(lambda n: f"worker-{n}")
    hostname = "app-1"
    pid = factory.Sequence(lambda n: 1000 + n)
    backend = "db"
    started_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=5))
    seen_at = factory.LazyFunction(timezone.now)


class DocNumberCounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocNumberCounter
        django_get_or_create = ("stem", "year")

    stem = "岳督办"
    year = 2026
    last = 0
