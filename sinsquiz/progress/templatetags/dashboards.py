from django import template

from sinsquiz import sins
from sinsquiz.training.models import Attempt

register = template.Library()


@register.filter
def consultation_words(attempt: Attempt) -> str:
    """An attempt's consultation call against the reference's, saying on what the two agree: "agrees on surgical
    consultation" reads as if both asked for one when both found the spine stable."""
    if attempt.consultation != Attempt.Consultation.AGREE:
        return attempt.get_consultation_display()
    if sins.needs_surgical_consultation(attempt.reference_total):
        return "Agrees: surgical consultation"
    return "Agrees: no surgical consultation needed"
