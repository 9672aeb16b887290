from django import template

from party.finding_actions import for_finding
from party.review_actions import for_problems

register = template.Library()


@register.simple_tag(takes_context=True)
def finding_actions(context, finding):
    """``{% finding_actions f as actions %}``: what the signed-in user may do with a finding."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return for_finding(request.user, finding)


@register.simple_tag(takes_context=True)
def review_problem_actions(context, round_, org):
    """``{% review_problem_actions round org as actions %}``: what the signed-in user may do with
    an organization's problems of a published 述职评议 round (e.g. 转整改)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return for_problems(request.user, round_, org)
