from sinsquiz import sins


def sins_numbers(request) -> dict:
    """The maximum total and the number of components, for pages that write "9 / 18" or "5 of 6"."""
    return {"SINS_MAX": sins.MAX_TOTAL, "SINS_COMPONENTS": len(sins.COMPONENTS)}
