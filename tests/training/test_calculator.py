import pytest
from django.urls import reverse

URL = reverse("calculator")

COMPLETE = {
    "level": "T7",  # semirigid, 1
    "pain": "mechanical",  # 3
    "bone_lesion": "lytic",  # 2
    "alignment": "normal",  # 0
    "collapse": "lt50",  # 2
    "posterolateral": "unilateral",  # 1
}


def htmx(client, data):
    return client.get(URL, data, headers={"HX-Request": "true"})


def test_it_is_open_without_logging_in(client):
    response = client.get(URL)

    assert response.status_code == 200
    assert b"SINS calculator" in response.content
    assert b'name="pain"' in response.content


def test_a_plain_get_scores_the_reading_on_the_full_page_so_a_result_can_be_bookmarked_or_shared(client):
    response = client.get(URL, COMPLETE)

    html = response.content.decode()
    assert "<html" in html
    assert '<span class="total-num">9</span>' in html
    assert "Potentially unstable" in html
    assert "Surgical consultation warranted" in html
    assert "T7 lies in T3–T10: semirigid, 1 point." in html
    assert '<option value="T7" selected>' in html and 'value="mechanical" id="id_pain_0" checked>' in html
    assert client.post(URL, COMPLETE).status_code == 405  # it stores nothing: no form to post, no token to lapse


def test_an_htmx_request_returns_only_the_result_and_what_a_screen_reader_hears(client):
    response = htmx(client, COMPLETE)

    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<aside id="calc-result"')
    assert '<span class="total-num">9</span>' in html
    assert "cat-potentially_unstable" in html
    said = 'aria-live="polite" hx-swap-oob="innerHTML">'
    assert f"{said}Total 9 of 18: potentially unstable. Surgical consultation warranted.</p>" in html
    assert (
        f"{said}4 still to choose; total 5 to 16.</p>"
        in htmx(client, {"level": "T7", "alignment": "subluxation"}).content.decode()
    )
    # Back without htmx's copy of the page asks for the whole page: it gets it, the line in place.
    restore = client.get(URL, COMPLETE, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.content.decode()
    assert '<p id="calc-said" class="visually-hidden" aria-live="polite">' in restore.content.decode()


@pytest.mark.parametrize(
    ("data", "total", "category"),
    [
        (
            {
                "level": "S3",
                "pain": "none",
                "bone_lesion": "blastic",
                "alignment": "normal",
                "collapse": "none",
                "posterolateral": "none",
            },
            0,
            "Stable",
        ),
        (
            {
                "level": "L4",
                "pain": "occasional",
                "bone_lesion": "mixed",
                "alignment": "deformity",
                "collapse": "none",
                "posterolateral": "none",
            },
            6,
            "Stable",
        ),
        (
            {
                "level": "C1",
                "pain": "mechanical",
                "bone_lesion": "lytic",
                "alignment": "subluxation",
                "collapse": "gt50",
                "posterolateral": "bilateral",
            },
            18,
            "Unstable",
        ),
        (
            {
                "level": "T12",
                "pain": "mechanical",
                "bone_lesion": "lytic",
                "alignment": "deformity",
                "collapse": "lt50",
                "posterolateral": "unilateral",
            },
            13,
            "Unstable",
        ),
    ],
)
def test_totals_and_categories_at_the_edges(client, data, total, category):
    html = htmx(client, data).content.decode()

    assert f'<span class="total-num">{total}</span>' in html
    assert f">{category}</p>" in html


def test_a_stable_total_needs_no_surgical_consultation(client):
    data = {**COMPLETE, "pain": "none", "bone_lesion": "blastic"}  # 1 + 0 + 0 + 0 + 2 + 1 = 4

    html = htmx(client, data).content.decode()

    assert '<span class="total-num">4</span>' in html
    assert "No surgical consultation needed" in html


def test_while_incomplete_it_shows_the_range_still_possible(client):
    html = htmx(client, {"level": "T7", "alignment": "subluxation"}).content.decode()

    assert '<span class="total-num pending">5–16</span>' in html
    assert "4 still to choose" in html
    assert "T7 lies in T3–T10" in html
    assert "Choose an option" not in html  # live updates do not nag about fields not reached yet


def test_the_level_is_normalised(client):
    html = htmx(client, {**COMPLETE, "level": " t7 "}).content.decode()

    assert '<span class="total-num">9</span>' in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("level", "C8", "not a vertebral level"),
        ("level", "coccyx", "not a vertebral level"),
        ("pain", "severe", "That is not an option for pain."),
        ("collapse", "3", "That is not an option for vertebral body collapse."),
    ],
)
def test_invalid_input_is_a_form_error_not_a_server_error(client, field, value, message):
    for response in (htmx(client, {**COMPLETE, field: value}), client.get(URL, {**COMPLETE, field: value})):
        assert response.status_code == 200
        assert response.content.decode().count(message) == 1  # in the result, which a live change redraws
        assert '<span class="total-num">' not in response.content.decode()


def test_a_plain_get_with_missing_components_says_what_is_still_to_choose_without_nagging(client):
    html = client.get(URL, {"level": "L1"}).content.decode()

    assert "5 still to choose" in html and html.count("not chosen") == 5
    assert "Choose an option" not in html
    assert "L1 lies in T11–L1: junctional, 3 points." in html


def test_the_page_loads_htmx_from_our_own_static_files(client):
    html = client.get(URL).content.decode()

    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "https://" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert 'hx-headers=\'{"x-csrftoken": "' in html


def test_each_option_says_its_points_in_words_one_point_or_several(client):
    page = client.get(URL).content.decode()

    assert 'aria-label="1 point"' in page  # unilateral posterolateral involvement
    assert 'aria-label="3 points"' in page  # mechanical pain
    assert 'aria-label="1 points"' not in page
