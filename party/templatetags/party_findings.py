from django import template

from party.finding_actions import for_finding

register = template.Library()


@register.simple_tag(takes_context=True)
def finding_actions(context, finding):
    """``{% finding_actions f as actions %}``: what the signed-in user may do with a finding."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return for_finding(request.user, finding)
