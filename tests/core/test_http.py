"""The client address used by every rate limit (public report form, API, Open311)."""

from django.test import RequestFactory

from core.http import client_ip


def _request(**meta):
    return RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", **meta)


def test_forwarded_header_is_ignored_without_trusted_proxies(settings):
    settings.LUOSHI_TRUSTED_PROXIES = 0
    assert client_ip(_request(HTTP_X_FORWARDED_FOR="1.2.3.4")) == "10.0.0.1"


def test_behind_one_proxy_the_last_hop_is_the_client(settings):
    settings.LUOSHI_TRUSTED_PROXIES = 1
    # A client may send its own (forged) X-Forwarded-For; the proxy appends the real address.
    assert client_ip(_request(HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4")) == "1.2.3.4"
    settings.LUOSHI_TRUSTED_PROXIES = 2
    assert client_ip(_request(HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4, 10.1.1.1")) == "1.2.3.4"
    assert client_ip(_request()) == "10.0.0.1"
