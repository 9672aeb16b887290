"""Case photos behind the media view (core/media.py): staff see the photos of the cases their
case pages show them; the public tracking page shows a public case's report and handling (after) photos."""

from core.media import register_media

from .models import AttachmentStage, Case, CaseAttachment


def can_view(user, photo) -> bool:
    from .views import is_case_staff  # the staff pages' rule: residents use the tracking page

    return is_case_staff(user) and Case.objects.visible_to(user, "view").filter(pk=photo.case_id).exists()


# What portal/case.html shows of a public case: the report photos and the handling ("after")
# photos of the unit's answer (cases.tracking.AFTER_STAGES); never the checker's photos, nor a
# patrol's on-the-spot before/after photos.
PUBLIC_STAGES = (AttachmentStage.REPORT, AttachmentStage.FEEDBACK)


def is_public(photo) -> bool:
    return photo.stage in PUBLIC_STAGES and photo.case.is_public


def public_key(photo) -> str:
    # Tied to the case's tracking token (查询码): a signature made for one case opens nothing else.
    return f"case:{photo.case_id}:{photo.case.access_token}"


register_media(
    CaseAttachment,
    "file",
    prefixes=("cases/",),
    can_view=can_view,
    public_key=public_key,
    is_public=is_public,
    select_related=("case",),
)
