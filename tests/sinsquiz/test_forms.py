"""The reading form's cached markup is exactly what Django's widgets render."""

import random

import pytest
from django.template.loader import render_to_string

from sinsquiz import sins
from sinsquiz.forms import FIELDS_PARTIAL, ReadingForm, blank_fields_html

OPTIONS = {
    "level": list(sins.LEVELS),
    **{c.name: list(c.codes) for c in sins.COMPONENTS},
    "absent_pedicle": [c.code for c in sins.ABSENT_PEDICLE],
    "tomita": [t.type for t in sins.TOMITA_TYPES],
    "escc": [g.code for g in sins.ESCC_GRADES],
}


@pytest.mark.parametrize("seed", range(40))
def test_the_cached_fields_mark_the_same_answers_as_the_widgets(seed):
    rng = random.Random(seed)
    asks_escc = seed % 2 == 0
    answers = {name: rng.choice(codes) for name, codes in OPTIONS.items() if rng.random() < 0.6}
    form = ReadingForm(initial=answers, asks_escc=asks_escc)

    expected = render_to_string(FIELDS_PARTIAL, {"form": form})
    assert blank_fields_html(answers, asks_escc=asks_escc) == expected
    assert blank_fields_html(answers, asks_escc=asks_escc) == expected  # from the cache, too


def test_an_empty_form_is_the_widgets_own_markup():
    form = ReadingForm(asks_escc=False)

    assert blank_fields_html({}, asks_escc=False) == render_to_string(FIELDS_PARTIAL, {"form": form})
    assert '<option value="" selected>Choose a level…</option>' in blank_fields_html({}, asks_escc=False)
