"""Deployment checks of the audit key (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def audit_key_configured(app_configs, **kwargs):
    if getattr(settings, "AUDIT_KEY", ""):
        return []
    return [
        Warning(
            "No LUOSHI_AUDIT_KEY: the audit chains are sealed with a key derived from the secret key.",
            hint=(
                "Set LUOSHI_AUDIT_KEY or LUOSHI_AUDIT_KEY_FILE to a key of its own, kept apart from the"
                " database and its backups (docs/deploy.md, Keys); keep the old one in"
                " LUOSHI_AUDIT_KEYS_OLD and run `luoshi audit reseal`."
            ),
            id="luoshi.W002",
        )
    ]
