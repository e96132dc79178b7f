"""The reading form: its cached markup is exactly what the widgets render, and each form's fields are its own."""

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


def test_answers_that_are_no_longer_options_are_left_unmarked_as_the_widgets_leave_them():
    answers = {"pain": "retired-code", "level": "T99", "tomita": 2}
    form = ReadingForm(initial=answers, asks_escc=False)

    html = blank_fields_html(answers, asks_escc=False)

    assert html == render_to_string(FIELDS_PARTIAL, {"form": form})
    assert html.count(" checked") == 1 and 'name="tomita" value="2" id="id_tomita_1" checked' in html


def test_each_reading_form_has_fields_of_its_own_which_share_the_classes_choices():
    first = ReadingForm(asks_escc=False)
    first.fields["pain"].widget.attrs["class"] = "changed"
    first.fields["pain"].error_messages["required"] = "changed"

    second = ReadingForm(asks_escc=True)

    assert "escc" not in first.fields and "escc" in second.fields
    assert "class" not in second.fields["pain"].widget.attrs
    assert second.fields["pain"].error_messages["required"] != "changed"
    assert second.fields["level"].choices is ReadingForm.base_fields["level"].choices  # shared, not copied
