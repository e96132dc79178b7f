"""What a trainee types is shown as text, never run as markup: on their pages, the educator's home and the admin."""

import pytest

from sinsquiz.problems import reports
from tests.problems.conftest import HX

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script> & <b>bold</b>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"


def test_a_report_with_markup_is_shown_escaped_everywhere(client, attempt, ada, grace):
    fragment = client.post(
        f"/attempts/{attempt.pk}/report/", {"problem-kind": "other", "problem-text": SCRIPT}, headers=HX
    ).content.decode()
    report = attempt.problem_reports.get()
    assert report.text == SCRIPT  # kept as typed; escaped when shown
    reports.answer(report, text=f"Answer {SCRIPT}", close=False, by=grace)

    client.force_login(grace)
    pages = {
        "educator home": client.get("/").content.decode(),
        "answer page": client.get(f"/problems/{report.pk}/").content.decode(),
        "admin list": client.get("/admin/problems/problemreport/").content.decode(),
        "admin page": client.get(f"/admin/problems/problemreport/{report.pk}/change/").content.decode(),
    }
    client.force_login(ada)
    pages |= {
        "report fragment": fragment,
        "feedback": client.get(attempt.get_absolute_url()).content.decode(),
        "trainee home": client.get("/").content.decode(),
    }

    for name, html in pages.items():
        assert "<script>alert" not in html and "<b>bold" not in html, name
        assert "&lt;script&gt;alert(" in html, name
    assert ESCAPED in pages["feedback"] and f"Answer {ESCAPED}" in pages["feedback"]
    assert "Answer &lt;script&gt;" in pages["trainee home"]
    case_page = client.get(attempt.case.get_absolute_url()).content.decode()
    assert "alert(" not in case_page and "Read the answer" in case_page  # the case page outlines, never quotes
