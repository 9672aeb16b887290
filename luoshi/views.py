"""The site root: the staff home (工作台) for a logged-in user, the public landing page otherwise."""

from cases.portal_views import landing
from core.views import home


def root(request):
    if request.user.is_authenticated:
        return home(request)
    return landing(request)
