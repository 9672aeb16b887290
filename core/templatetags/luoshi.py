from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ mapping|get_item:key }}``: a dict lookup by a variable key."""
    return mapping.get(key) if mapping else None


@register.filter
def media_url(fieldfile):
    """``{{ photo.file|media_url }}``: the permission-checked address of an uploaded file."""
    from core.media import media_url as url

    return url(fieldfile)


@register.filter
def public_media_url(fieldfile):
    """``{{ photo.file|public_media_url }}``: a signed address for a file shown on a public page."""
    from core.media import public_media_url as url

    return url(fieldfile)


@register.filter
def mask_personal(text):
    """``{{ case.title|mask_personal }}``: phone and ID numbers in free text masked."""
    from core.privacy import mask_personal_text

    return mask_personal_text(str(text or ""))
