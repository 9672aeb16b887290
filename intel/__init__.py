"""智能辅助 (intel): category suggestions, duplicate candidates and hot spots for dispatchers."""


def suggest_for_case(case, user=None):
    """Category suggestions and duplicate candidates for one case (see ``intel.selectors``)."""
    from .selectors import suggest_for_case as _suggest_for_case

    return _suggest_for_case(case, user=user)
