"""Case archives in the admin: the case list's export action and the Import cases page."""

import io
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case
from tests.archives import exported, library_state, manifest_of, rezipped, teaching_case
from tests.factories import EducatorFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/cases/case/"
IMPORT = "/admin/cases/case/import/"


def upload(data: bytes, name="cases.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/zip")


def test_the_export_action_downloads_the_selected_cases_as_an_archive(educator_client):
    one, _ = teaching_case(slug="one"), teaching_case(slug="two")

    response = educator_client.post(CHANGELIST, {"action": "export_archive", "_selected_action": [one.pk]})

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="sinsquiz-cases-')
    data = b"".join(response.streaming_content)
    assert [case["slug"] for case in manifest_of(data)["cases"]] == ["one"]


def test_the_case_list_links_to_the_import_page(educator_client):
    page = educator_client.get(CHANGELIST).content.decode()
    assert f'<a href="{IMPORT}">Import cases</a>' in page


def test_the_import_page_imports_an_archive_and_shows_what_it_did(educator_client):
    data = exported(teaching_case(slug="one", title="First case"))
    Case.objects.all().delete()

    response = educator_client.post(IMPORT, {"archive": upload(data)})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Imported 1 case, 6 images." in page
    assert "Imported “First case” as “one” (published): 2 series, 6 images, 2 expert readings." in page
    case = Case.objects.get(slug="one")
    assert f'href="/admin/cases/case/{case.pk}/change/"' in page


def test_the_import_page_can_hold_every_case_back_as_a_draft(educator_client):
    data = exported(teaching_case(slug="one"))
    Case.objects.all().delete()

    educator_client.post(IMPORT, {"archive": upload(data), "as_drafts": "on"})

    assert Case.objects.get(slug="one").status == Case.Status.DRAFT


def test_the_import_page_shows_why_an_archive_is_refused_and_writes_nothing(educator_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("../../evil.png", b"x")
    before = library_state()

    response = educator_client.post(IMPORT, {"archive": upload(buffer.getvalue())})

    page = response.content.decode()
    assert response.status_code == 200 and page.count("Nothing was imported") == 1
    assert "Nothing was imported: “../../evil.png” has an unsafe name in the archive (outside its folder)." in page
    assert library_state() == before


def test_the_import_page_refuses_an_archive_past_its_budget_and_writes_nothing(educator_client, settings):
    data = exported(teaching_case(slug="one"))
    Case.objects.all().delete()
    settings.ARCHIVE_MAX_TOTAL_BYTES = 100
    before = library_state()

    page = educator_client.post(IMPORT, {"archive": upload(data)}).content.decode()

    assert "the archive unpacks to more than 100 bytes in all" in page
    assert library_state() == before


def test_the_import_page_says_how_large_an_archive_it_takes_and_sends_larger_ones_to_the_command(educator_client):
    page = educator_client.get(IMPORT).content.decode()

    assert "for an archive that unpacks to at most 500 MB" in page
    assert "A larger library goes through the command line on the server" in page
    assert "manage.py import_cases IN.zip" in page


def test_the_import_page_lists_the_problems_of_an_archive_under_one_line(educator_client):
    data = exported(teaching_case(slug="one"))
    manifest = manifest_of(data)
    manifest["cases"][0]["age"] = "seventy"
    manifest["cases"][0]["difficulty"] = 9

    page = educator_client.post(IMPORT, {"archive": upload(rezipped(data, manifest=manifest))}).content.decode()

    assert page.count("Nothing was imported") == 1
    assert "<p>Nothing was imported: the archive has these problems.</p>" in page
    assert "<li>Case 0 (“one”): “age” must be a whole number or null, not text</li>" in page


def test_the_import_page_asks_for_a_file(educator_client):
    response = educator_client.post(IMPORT, {})
    assert "This field is required." in response.content.decode()


def test_staff_without_the_add_permission_can_neither_import_nor_export(client):
    case = teaching_case(slug="one")
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_case", "change_case"]))
    client.force_login(viewer)

    assert client.get(IMPORT).status_code == 403
    assert "Import cases" not in client.get(CHANGELIST).content.decode()
    response = client.post(CHANGELIST, {"action": "export_archive", "_selected_action": [case.pk]})
    assert response["Content-Type"] != "application/zip"


def test_trainees_are_sent_to_the_login(trainee_client):
    response = trainee_client.get(IMPORT)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_educator_sees_the_form(client):
    client.force_login(EducatorFactory())
    page = client.get(IMPORT).content.decode()
    assert 'type="file" name="archive"' in page and "Import every case as a draft" in page
