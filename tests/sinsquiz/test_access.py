import pytest
from django.contrib.auth.models import Group

from tests.routes import all_paths

PUBLIC = {"/login/", "/calculator/", "/admin/login/"}


def test_the_route_list_is_complete():
    paths = all_paths()

    assert {"/", "/calculator/", "/login/", "/logout/", "/admin/"} <= set(paths)
    assert "/admin/auth/user/1/change/" in paths


@pytest.mark.django_db
@pytest.mark.parametrize("path", all_paths())
def test_every_page_needs_a_login_except_the_public_ones(client, path):
    response = client.get(path)

    if path in PUBLIC:
        assert response.status_code == 200
    elif path == "/favicon.ico":
        assert response.url == "/static/sinsquiz/icon.svg"
    elif path == "/logout/":
        assert response.status_code == 405  # a button's address, open to a visitor whose login has lapsed
    else:
        assert response.status_code == 302, path
        assert response.url.split("?")[0] in {"/login/", "/admin/login/"}


@pytest.mark.django_db
def test_the_trainee_and_educator_groups_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Trainees", "Educators"}


@pytest.mark.django_db
def test_login_takes_a_user_home_and_the_bar_shows_who_is_logged_in(client, django_user_model):
    django_user_model.objects.create_user("resident1", password="a-long-password")

    response = client.post("/login/", {"username": "resident1", "password": "a-long-password"}, follow=True)

    assert response.redirect_chain[-1][0] == "/"
    html = response.content.decode()
    assert '<a class="who-name" href="/password/" title="Signed in: change your password">resident1</a>' in html
    assert "Log out" in html


@pytest.mark.django_db
def test_a_wrong_password_is_refused_with_a_message(client, django_user_model):
    django_user_model.objects.create_user("resident1", password="a-long-password")

    response = client.post("/login/", {"username": "resident1", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_logout_is_a_post_and_ends_the_session(client, django_user_model):
    user = django_user_model.objects.create_user("resident1", password="a-long-password")
    client.force_login(user)

    response = client.post("/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_a_login_sent_empty_ties_each_fields_error_to_its_field(client):
    html = client.post("/login/", {"username": "", "password": ""}).content.decode()

    for field in ("username", "password"):
        assert f'aria-describedby="id_{field}_error"' in html  # what Django puts on the field
        assert f'<p class="field-error" id="id_{field}_error">This field is required.</p>' in html


@pytest.mark.django_db
def test_log_out_once_the_login_has_lapsed_leads_to_the_login_with_nothing_to_say(client):
    response = client.post("/logout/", HTTP_REFERER="http://testserver/cases/")

    assert response.url == "/login/"
    assert "lapsed" not in client.get(response.url).content.decode()


@pytest.mark.django_db
def test_once_a_login_has_lapsed_a_forms_button_comes_back_to_its_page_after_the_login(client):
    """Save draft posts to an address that answers only POST: the login went back there, to a 405 page."""
    from tests.factories import TraineeFactory, published_case

    case = published_case()
    client.force_login(TraineeFactory())
    attempt_id = client.get(case.get_absolute_url()).context["attempt_id"]
    client.logout()
    save = f"/attempts/{attempt_id}/save/"

    from_case = client.post(save, {"pain": "none"}, HTTP_REFERER=f"http://testserver{case.get_absolute_url()}")
    from_elsewhere = client.post(save, {"pain": "none"}, HTTP_REFERER="https://elsewhere.example/x")
    through_here = client.post(save, {"pain": "none"}, HTTP_REFERER="http://testserver//elsewhere.example/x")
    unreferred = client.post(save, {"pain": "none"})

    assert from_case.url == f"/login/?next={case.get_absolute_url()}"
    assert from_elsewhere.url == through_here.url == unreferred.url == "/login/?next=/"
    assert "Your login had lapsed" in client.get(from_case.url).content.decode()


@pytest.mark.django_db
def test_once_a_login_has_lapsed_a_part_of_a_page_sends_the_whole_page_to_the_login_and_back(client):
    """Else htmx would draw the login page inside the case list's results, or an autosave take it for a save."""
    from tests.factories import TraineeFactory, published_case

    case = published_case()
    client.force_login(TraineeFactory())
    attempt_id = client.get(case.get_absolute_url()).context["attempt_id"]
    client.logout()  # the session has ended
    page = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{case.get_absolute_url()}"}

    save = client.post(f"/attempts/{attempt_id}/save/", {"pain": "none"}, headers=page)
    results = client.get("/cases/?q=lung", headers={**page, "HX-Current-URL": "http://testserver/cases/?q=lun"})

    assert save["HX-Redirect"] == f"/login/?next={case.get_absolute_url()}"
    assert results["HX-Redirect"] == "/login/?next=/cases/%3Fq%3Dlun"
    assert b"<form" not in save.content + results.content
    login = client.get(save["HX-Redirect"]).content.decode()
    assert "Your login had lapsed: log in again to carry on." in login  # said on the login page, once
    assert "Your login had lapsed" not in client.get(save["HX-Redirect"]).content.decode()
    assert client.get("/cases/").url == "/login/?next=/cases/"  # a whole page is redirected as before
    back = client.get("/cases/?q=lun", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert back.url == "/login/?next=/cases/%3Fq%3Dlun"  # Back: htmx draws what comes, so a plain redirect
