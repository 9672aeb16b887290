from django.apps import apps
from django.conf import settings


def luoshi(request):
    """Values every page needs: the demo banner and the signed-in user's role summary."""
    from core.navigation import menu_for

    user = getattr(request, "user", None)
    return {
        "LUOSHI_IS_DEMO": _is_demo(),
        "LUOSHI_VERSION": __import__("luoshi").__version__,
        "nav_menu": menu_for(user) if user is not None and user.is_authenticated else [],
        "unread_count": _unread(user),
        "DEBUG": settings.DEBUG,
    }


def _is_demo() -> bool:
    Org = apps.get_model("orgs", "Org")  # by app label: core sits below orgs
    return Org.objects.filter(depth=1, is_demo=True).exists()


def _unread(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    from .notify import unread_count

    return unread_count(user)
