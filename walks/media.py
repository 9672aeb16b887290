"""Walk problem photos behind the media view (core/media.py): who sees the walk sees its photos."""

from core.media import register_media

from .models import Walk, WalkPhoto


def can_view(user, photo) -> bool:
    return Walk.objects.visible_to(user, "view").filter(pk=photo.problem.walk_id).exists()


register_media(WalkPhoto, "file", prefixes=("walks/",), can_view=can_view, select_related=("problem",))
