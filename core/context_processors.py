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
    from .health import is_demo

    return is_demo()


def _unread(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    from .notify import unread_count

    return unread_count(user)
