from sinsquiz.sets import overview


def sitting_bar(request) -> dict:
    """On a case page answered in a sitting: "Case 4 of 20", and the countdown in a timed one (training's case
    page includes the bar, and knows nothing else of sets)."""
    match = request.resolver_match
    if not (match and match.view_name == "case" and request.user.is_authenticated):
        return {}
    return {"sitting_bar": overview.bar_for_case(request.user, match.kwargs["slug"])}
