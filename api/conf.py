"""Settings of the ``api`` app: a Django setting if defined, else the environment variable of the
same name, else the default (so deployments configure them like every other ``LUOSHI_*``)."""

import os

from django.conf import settings


def setting(name: str, default: str) -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return str(value)
