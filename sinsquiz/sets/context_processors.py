from sinsquiz.sets import overview


def sitting_bar(request) -> dict:
    """On a case page answered in a sitting: "Case 4 of 20", and the countdown in a timed one; on the feedback of
    an answer it counted: "4 of 20 answered" (training's pages include the bar, and know nothing else of sets)."""
    match = request.resolver_match
    if not (match and request.user.is_authenticated):
        return {}
    if match.view_name == "case":
        return {"sitting_bar": overview.bar_for_case(request.user, match.kwargs["slug"])}
    if match.view_name == "attempt":
        return {"sitting_bar": overview.bar_after_answer(request.user, match.kwargs["pk"])}
    return {}
