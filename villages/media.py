"""Village item photos behind the media view (core/media.py): staff see the photos of the items
their village pages show them; the public page (村务公开) shows the live photos of published items."""

from core.media import register_media

from .models import Decision, DecisionPhoto
from .selectors import public_village


def can_view(user, photo) -> bool:
    return Decision.objects.visible_to(user, "view").filter(pk=photo.decision_id).exists()


def is_public(photo) -> bool:
    """What villages/public.html shows: photos not withdrawn, of a published item of a village
    whose public page exists (selectors.public_village / public_items)."""
    if photo.withdrawn_at is not None:
        return False
    decision = photo.decision
    if not Decision.objects.filter(pk=decision.pk).published().exists():
        return False
    village = decision.org
    return bool(village.code) and public_village(village.code) == village


def public_key(photo) -> str:
    return f"village-item:{photo.decision_id}"


register_media(
    DecisionPhoto,
    "file",
    prefixes=("villages/",),
    can_view=can_view,
    public_key=public_key,
    is_public=is_public,
    select_related=("decision__org",),
)
