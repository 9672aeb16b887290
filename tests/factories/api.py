"""Factories of the API app: tokens, Open311 clients and requests, idempotency keys, webhooks.

A token or client made here has a made-up hash (it cannot sign in); use ``api.services.issue_token``
for one a test client sends."""

import hashlib

import factory
from django.db import transaction

from api.models import (
    ApiToken,
    IdempotencyKey,
    Open311Client,
    Open311Request,
    WebhookDelivery,
    WebhookSubscription,
)

from .cases import CaseFactory
from .orgs import StreetFactory, UserFactory


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiToken

    owner = factory.SubFactory(UserFactory)
    name = "测试令牌"
    prefix = factory.Sequence(lambda n: f"lt_{n:08d}")
    token_hash = factory.LazyAttribute(lambda o: _hash(f"token {o.prefix}"))


class Open311ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Open311Client

    name = "市民服务App"
    contact = "市大数据中心"
    prefix = factory.Sequence(lambda n: f"o311_{n:06d}")
    key_hash = factory.LazyAttribute(lambda o: _hash(f"key {o.prefix}"))


class Open311RequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Open311Request

    case = factory.SubFactory(CaseFactory, channel="api")
    client = factory.SubFactory(Open311ClientFactory)
    service_code = "0301"


class IdempotencyKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdempotencyKey

    user = factory.SubFactory(UserFactory)
    key = factory.Sequence(lambda n: f"key-{n:08d}")
    endpoint = "cases.report"
    request_hash = factory.LazyAttribute(lambda o: _hash(o.key))
    # A finished request: the case it made and the answer it gave.
    case = factory.SubFactory(CaseFactory, channel="api")
    object_id = factory.SelfAttribute("case.pk")
    response_status = 201
    response_hash = factory.LazyAttribute(lambda o: _hash(f"response {o.key}"))


class WebhookSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookSubscription

    org = factory.SubFactory(StreetFactory)
    org_path = factory.LazyAttribute(lambda o: o.org.path)
    url = "https://hooks.example.com/luoshi"
    description = "街道综治中心"


def _subscription_event(subscription):
    """An audit event to deliver: the subscription's own "created" event, recorded as the service
    records it (audit rows are built only through ``audit.services.record``)."""
    from api.services import WEBHOOK_CREATED
    from audit.services import record

    with transaction.atomic():
        return record(subscription, WEBHOOK_CREATED, after={"url": subscription.url})


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    subscription = factory.SubFactory(WebhookSubscriptionFactory)
    event = factory.LazyAttribute(lambda o: _subscription_event(o.subscription))
