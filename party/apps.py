from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "party"
    verbose_name = "基层党组织"

    def ready(self):
        from django.db.models import Q

        from orgs.models import PERSON_SCOPE_LINKS

        from . import home  # noqa: F401  (registers home-page sections)

        # A branch's members are visible wherever the branch is.
        PERSON_SCOPE_LINKS.append(lambda path: Q(membership__org_path__startswith=path))
