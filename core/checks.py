"""System checks of the deployment (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def demo_secret_key(app_configs, **kwargs):
    if not getattr(settings, "LOCAL_SECRET_KEY", False):
        return []
    return [
        Warning(
            "The secret key is the demo's local key (var/secret_key, made by `luoshi demo`).",
            hint="Set LUOSHI_SECRET_KEY or LUOSHI_SECRET_KEY_FILE (and LUOSHI_FIELD_KEY) for a deployment.",
            id="luoshi.W001",
        )
    ]


@register()
def base_map_settings(app_configs, **kwargs):
    """LUOSHI_MAP_TILES and friends (core.maptiles): a misconfigured base map is reported here; the
    pages then show the maps without one."""
    from django.core.checks import Error

    from core.maptiles import base_map

    try:
        base_map()
    except ValueError as error:
        return [Error(str(error), hint="See docs/map.md.", id="luoshi.E010")]
    return []
