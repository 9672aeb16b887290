from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "party"
    verbose_name = "基层党组织"

    def ready(self):
        from orgs.models import PERSON_SCOPE_LINKS
        from orgs.scoping import under_paths

        from . import home, tasks, terms  # noqa: F401  (home-page sections, periodic jobs, audit codes)
        from .models import Member

        # A branch's members are visible wherever the branch is.
        PERSON_SCOPE_LINKS.append(lambda paths: Member.objects.filter(under_paths(paths)).values("person_id"))
