"""Work-plan files behind the media view (core/media.py): a plan's source file, progress evidence
and accountability decision documents, each with the scoping of the page that lists it."""

from core.media import register_media

from .models import Accountability, Evidence, Plan, Task


def can_view_plan(user, plan) -> bool:
    return Plan.objects.visible_to(user, "view").filter(pk=plan.pk).exists()


def can_view_evidence(user, item) -> bool:
    return Task.objects.visible_to(user, "view").filter(pk=item.task_id).exists()  # the task page's rule


def can_view_accountability(user, item) -> bool:
    return Accountability.objects.visible_to(user, "view").filter(pk=item.pk).exists()


register_media(Plan, "source_file", prefixes=("workplan/sources/",), can_view=can_view_plan)
register_media(
    Evidence,
    "file",
    prefixes=("workplan/",),
    can_view=can_view_evidence,
    filename=lambda item: item.original_name,
)
register_media(Accountability, "decision_file", prefixes=("workplan/",), can_view=can_view_accountability)
