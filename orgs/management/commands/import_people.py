"""``manage.py import_people FILE --as USERNAME``: import people and their positions from Excel."""

from .import_orgs import ImportCommand


class Command(ImportCommand):
    kind = "people"
