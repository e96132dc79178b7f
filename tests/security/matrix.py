"""The access matrix: for every URL pattern of the project, concrete paths and what each role gets.

Roles, in the order of every tuple below:

    anonymous, trainee A (owns the attempts), trainee B, an educator of cohort B, the educator of A's cohort A,
    a superuser.

Methods: GET and POST (a complete reading for the app's views, an empty body for the admin's); the app's routes also
with `HX-Request: true` (GET_HX, POST_HX), which answer as their plain twin unless a row says otherwise. Outcomes are
statuses, except: LOGIN (302 to /login/ or /admin/login/, or for htmx an `HX-Redirect` there) and HX_REDIRECT (200 with
`HX-Redirect`, htmx's client-side redirect). A new URL pattern makes test_access_matrix fail until it is added here.
"""

from collections.abc import Callable
from dataclasses import dataclass

from tests.factories import ANSWER
from tests.security.world import HX_REDIRECT, LOGIN, REPORT, World

METHODS = ("GET", "GET_HX", "POST", "POST_HX")


def methods_for(pattern: str) -> tuple[str, ...]:
    """The admin knows nothing of htmx: its routes are asked plainly."""
    return ("GET", "POST") if pattern.startswith("admin/") else METHODS


def every(outcome) -> tuple:
    return (outcome,) * 6


def logged_in(outcome, anonymous=LOGIN) -> tuple:
    return (anonymous, *(outcome,) * 5)


@dataclass(frozen=True)
class Row:
    label: str
    path: Callable[[World], str]
    GET: tuple
    POST: tuple
    GET_HX: tuple | None = None
    POST_HX: tuple | None = None
    data: dict | None = None  # the POST body

    def expected(self, method: str) -> tuple:
        return getattr(self, method) or getattr(self, method.removesuffix("_HX"))


# --- The trainee's side -------------------------------------------------------------------------------

NOT_GET = logged_in(405)  # require_GET views; the login middleware answers anonymous users first
APP: dict[str, list[Row]] = {
    "": [Row("home", lambda w: "/", GET=logged_in(200), POST=NOT_GET)],
    "calculator/": [Row("public calculator", lambda w: "/calculator/", GET=every(200), POST=every(405))],
    "cases/": [Row("case list", lambda w: "/cases/", GET=logged_in(200), POST=NOT_GET)],
    "cases/<slug:slug>/": [
        Row("a published case", lambda w: f"/cases/{w.committed_case.slug}/", GET=logged_in(200), POST=NOT_GET),
        Row(
            "an unpublished case",
            lambda w: f"/cases/{w.draft_case.slug}/",
            GET=(LOGIN, 404, 404, 200, 200, 200),
            POST=NOT_GET,
        ),
        Row("no such case", lambda w: "/cases/no-such-case/", GET=logged_in(404), POST=NOT_GET),
    ],
    "attempts/<int:pk>/": [
        Row(
            "A's feedback",
            lambda w: f"/attempts/{w.a_submitted.pk}/",
            GET=(LOGIN, 200, 404, 404, 200, 200),
            POST=NOT_GET,
        ),
        Row(
            "A's draft (no feedback yet: back to the case)",
            lambda w: f"/attempts/{w.a_draft.pk}/",
            GET=(LOGIN, 302, 404, 404, 302, 302),
            POST=NOT_GET,
        ),
        Row(
            "B's draft",
            lambda w: f"/attempts/{w.b_draft.pk}/",
            GET=(LOGIN, 404, 302, 302, 404, 302),
            POST=NOT_GET,
        ),
    ],
    # Only the owner may change an attempt; not their educator, not a superuser.
    "attempts/<int:pk>/save/": [
        Row(
            "saving A's draft",
            lambda w: f"/attempts/{w.a_draft.pk}/save/",
            GET=NOT_GET,
            POST=(LOGIN, 302, 404, 404, 404, 404),
            POST_HX=(LOGIN, 200, 404, 404, 404, 404),
            data=ANSWER,
        ),
        Row(
            "saving A's committed attempt (already committed: to its feedback)",
            lambda w: f"/attempts/{w.a_submitted.pk}/save/",
            GET=NOT_GET,
            POST=(LOGIN, 302, 404, 404, 404, 404),
            POST_HX=(LOGIN, HX_REDIRECT, 404, 404, 404, 404),
            data=ANSWER,
        ),
        Row(
            "saving B's draft",
            lambda w: f"/attempts/{w.b_draft.pk}/save/",
            GET=NOT_GET,
            POST=(LOGIN, 404, 302, 404, 404, 404),
            POST_HX=(LOGIN, 404, 200, 404, 404, 404),
            data=ANSWER,
        ),
    ],
    "attempts/<int:pk>/commit/": [
        Row(
            "committing A's draft",
            lambda w: f"/attempts/{w.a_draft.pk}/commit/",
            GET=NOT_GET,
            POST=(LOGIN, 302, 404, 404, 404, 404),
            POST_HX=(LOGIN, HX_REDIRECT, 404, 404, 404, 404),
            data=ANSWER,
        ),
        Row(
            "committing A's committed attempt again",
            lambda w: f"/attempts/{w.a_submitted.pk}/commit/",
            GET=NOT_GET,
            POST=(LOGIN, 302, 404, 404, 404, 404),
            POST_HX=(LOGIN, HX_REDIRECT, 404, 404, 404, 404),
            data=ANSWER,
        ),
        Row(
            "committing B's draft",
            lambda w: f"/attempts/{w.b_draft.pk}/commit/",
            GET=NOT_GET,
            POST=(LOGIN, 404, 302, 404, 404, 404),
            POST_HX=(LOGIN, 404, HX_REDIRECT, 404, 404, 404),
            data=ANSWER,
        ),
    ],
    # A trainee reports a problem from their own committed reading (the POST is a complete report).
    "attempts/<int:pk>/report/": [
        Row(
            "reporting a problem from A's committed attempt",
            lambda w: f"/attempts/{w.a_submitted.pk}/report/",
            GET=(LOGIN, 200, 404, 404, 404, 404),
            POST=(LOGIN, 302, 404, 404, 404, 404),
            POST_HX=(LOGIN, 200, 404, 404, 404, 404),
            data=REPORT,
        ),
        Row(
            "reporting a problem from A's draft",
            lambda w: f"/attempts/{w.a_draft.pk}/report/",
            GET=(LOGIN, 404, 404, 404, 404, 404),
            POST=(LOGIN, 404, 404, 404, 404, 404),
            data=REPORT,
        ),
    ],
    # A's report: A reads it; A's educator (and a superuser) reads, answers and closes it.
    "problems/<int:pk>/": [
        Row(
            "A's problem report",
            lambda w: f"/problems/{w.problem_report.pk}/",
            GET=(LOGIN, 200, 404, 404, 200, 200),
            POST=(LOGIN, 404, 404, 404, 302, 302),
            data={"answer": "Thank you: corrected.", "close": "on"},
        ),
    ],
    "practice/next/": [Row("next case", lambda w: "/practice/next/", GET=logged_in(302), POST=NOT_GET)],
    "progress/": [Row("my progress", lambda w: "/progress/", GET=logged_in(200), POST=NOT_GET)],
    "progress/<int:user_id>/": [
        Row(
            "A's progress",
            lambda w: f"/progress/{w.trainee_a.pk}/",
            GET=(LOGIN, 200, 404, 404, 200, 200),
            POST=NOT_GET,
        ),
        Row(
            "B's progress",
            lambda w: f"/progress/{w.trainee_b.pk}/",
            GET=(LOGIN, 404, 200, 200, 404, 200),
            POST=NOT_GET,
        ),
    ],
    "cohorts/": [Row("cohort list", lambda w: "/cohorts/", GET=(LOGIN, 404, 404, 200, 200, 200), POST=NOT_GET)],
    "cohorts/<int:pk>/": [
        Row("cohort A", lambda w: f"/cohorts/{w.cohort_a.pk}/", GET=(LOGIN, 404, 404, 404, 200, 200), POST=NOT_GET),
    ],
    # Case sets: a trainee's own, in their cohorts (404 for anyone else, educators too: theirs is the results).
    "sets/<int:pk>/": [
        Row("A's set", lambda w: f"/sets/{w.assignment.pk}/", GET=(LOGIN, 200, 404, 404, 404, 404), POST=NOT_GET)
    ],
    "sets/<int:pk>/start/": [
        Row(
            "starting A's set",
            lambda w: f"/sets/{w.assignment.pk}/start/",
            GET=NOT_GET,
            POST=(LOGIN, 302, 404, 404, 404, 404),
        )
    ],
    "sets/<int:pk>/next/": [
        Row(
            "A's next case in the set (not started: the set's page)",
            lambda w: f"/sets/{w.assignment.pk}/next/",
            GET=(LOGIN, 302, 404, 404, 404, 404),
            POST=NOT_GET,
        )
    ],
    "sets/<int:pk>/finish/": [
        Row(
            "finishing A's set (not started: GET, the question's page, sends back to the set's page)",
            lambda w: f"/sets/{w.assignment.pk}/finish/",
            GET=(LOGIN, 302, 404, 404, 404, 404),
            POST=(LOGIN, 302, 404, 404, 404, 404),
        )
    ],
    "sets/<int:pk>/results/": [
        Row(
            "the results of A's set",
            lambda w: f"/sets/{w.assignment.pk}/results/",
            GET=(LOGIN, 404, 404, 404, 200, 200),
            POST=NOT_GET,
        )
    ],
    "sets/<int:pk>/results/<str:table>.csv": [
        Row(
            "the results of A's set, trainee by trainee (CSV)",
            lambda w: f"/sets/{w.assignment.pk}/results/trainees.csv",
            GET=(LOGIN, 404, 404, 404, 200, 200),
            POST=NOT_GET,
        )
    ],
    "cohorts/<int:pk>/attempts.csv": [
        Row(
            "cohort A's attempts as CSV",
            lambda w: f"/cohorts/{w.cohort_a.pk}/attempts.csv",
            GET=(LOGIN, 404, 404, 404, 200, 200),
            POST=NOT_GET,
        ),
    ],
    "cohorts/<int:pk>/<str:table>.csv": [
        Row(
            "cohort A's trainees as CSV",
            lambda w: f"/cohorts/{w.cohort_a.pk}/trainees.csv",
            GET=(LOGIN, 404, 404, 404, 200, 200),
            POST=NOT_GET,
        ),
        Row(
            "cohort A's cases as CSV",
            lambda w: f"/cohorts/{w.cohort_a.pk}/cases.csv",
            GET=(LOGIN, 404, 404, 404, 200, 200),
            POST=NOT_GET,
        ),
        Row(
            "a table that does not exist",
            lambda w: f"/cohorts/{w.cohort_a.pk}/passwords.csv",
            GET=logged_in(404),
            POST=NOT_GET,
        ),
    ],
    "sets/<int:pk>/retest/": [
        Row(
            "cohort A's test–retest report",
            lambda w: f"/sets/{w.retest.pk}/retest/",
            GET=(LOGIN, 404, 404, 404, 200, 200),
            POST=NOT_GET,
        ),
        Row(
            "a baseline (no retest report)",
            lambda w: f"/sets/{w.retest.baseline_id}/retest/",
            GET=logged_in(404),
            POST=NOT_GET,
        ),
    ],
    "media/<path:path>": [
        Row(
            "a published case's thumbnail",
            lambda w: f"/media/{w.slice_of(w.committed_case).thumbnail.name}",
            GET=logged_in(200),
            POST=NOT_GET,
        ),
        Row(
            "a published case's original image",
            lambda w: f"/media/{w.slice_of(w.committed_case).image.name}",
            GET=logged_in(200),
            POST=NOT_GET,
        ),
        Row(
            "an unpublished case's image",
            lambda w: f"/media/{w.slice_of(w.draft_case).web.name}",
            GET=(LOGIN, 404, 404, 200, 200, 200),
            POST=NOT_GET,
        ),
        Row(
            "a path that climbs out of the media folder",
            lambda w: f"/media/{w.slice_of(w.committed_case).web.name}/../../../../sinsquiz/settings.py",
            GET=logged_in(404),
            POST=NOT_GET,
        ),
    ],
    "login/": [Row("login", lambda w: "/login/", GET=(200, *(302,) * 5), POST=(200, *(302,) * 5))],
    # Logging out is a POST; it leads to the login page.
    "logout/": [Row("logout", lambda w: "/logout/", GET=every(405), POST=every(LOGIN))],  # open: a lapsed login too
    # A refused change (the matrix's body is not a password form) is the form again, with its errors.
    "password/": [Row("password change", lambda w: "/password/", GET=logged_in(200), POST=logged_in(200))],
    "password/changed/": [Row("password changed", lambda w: "/password/changed/", GET=logged_in(200), POST=NOT_GET)],
    "favicon.ico": [Row("favicon", lambda w: "/favicon.ico", GET=every(302), POST=every(405))],
}


# --- The admin ----------------------------------------------------------------------------------------

NOT_STAFF = (LOGIN,) * 3  # anonymous, trainee A, trainee B: sent to log in (as staff)


def staff(educator_other, educator_a, superuser) -> tuple:
    return (*NOT_STAFF, educator_other, educator_a, superuser)


ADMIN: dict[str, list[Row]] = {
    "admin/": [Row("admin index", lambda w: "/admin/", GET=staff(200, 200, 200), POST=staff(200, 200, 200))],
    "admin/login/": [
        # A logged-in trainee is shown the form, with a note that this account may not use the admin.
        Row("admin login", lambda w: "/admin/login/", GET=(200, 200, 200, 302, 302, 302), POST=every(200)),
    ],
    # A trainee asking the admin to log them out is sent to the admin index (and from there to its login); staff
    # are logged out and land on the login page (LOGOUT_REDIRECT_URL).
    "admin/logout/": [
        Row(
            "admin logout",
            lambda w: "/admin/logout/",
            GET=(LOGIN, 302, 302, 405, 405, 405),
            POST=(LOGIN, 302, 302, LOGIN, LOGIN, LOGIN),
        ),
    ],
    "admin/password_change/": [
        Row(
            "admin password change",
            lambda w: "/admin/password_change/",
            GET=staff(200, 200, 200),
            POST=staff(200, 200, 200),
        ),
    ],
    "admin/password_change/done/": [
        Row(
            "password changed",
            lambda w: "/admin/password_change/done/",
            GET=staff(200, 200, 200),
            POST=staff(405, 405, 405),
        ),
    ],
    "admin/autocomplete/": [
        Row(
            "case autocomplete of the series form",
            lambda w: "/admin/autocomplete/?app_label=cases&model_name=series&field_name=case&term=Un",
            GET=staff(200, 200, 200),
            POST=staff(405, 405, 405),
        ),
        Row(
            "group autocomplete of the user form (educators may not see groups)",
            lambda w: "/admin/autocomplete/?app_label=auth&model_name=user&field_name=groups",
            GET=staff(403, 403, 200),
            POST=staff(405, 405, 405),
        ),
    ],
    "admin/jsi18n/": [
        Row(
            "admin JavaScript catalogue",
            lambda w: "/admin/jsi18n/",
            GET=staff(200, 200, 200),
            POST=staff(405, 405, 405),
        )
    ],
    "admin/r/<path:content_type_id>/<path:object_id>/": [
        Row(
            "view an unpublished case on the site",
            lambda w: f"/admin/r/{w.case_type.pk}/{w.draft_case.pk}/",
            GET=staff(302, 302, 302),
            POST=staff(302, 302, 302),
        ),
    ],
    "admin/^(?P<app_label>auth|axes|cases|progress|sets|problems)/$": [
        Row("the cases app", lambda w: "/admin/cases/", GET=staff(200, 200, 200), POST=staff(200, 200, 200)),
        Row(
            "the problem reports app", lambda w: "/admin/problems/", GET=staff(200, 200, 200), POST=staff(200, 200, 200)
        ),  # fmt: skip
        Row("the case sets app", lambda w: "/admin/sets/", GET=staff(200, 200, 200), POST=staff(200, 200, 200)),
        Row("the cohorts app", lambda w: "/admin/progress/", GET=staff(200, 200, 200), POST=staff(200, 200, 200)),
        Row("the users app", lambda w: "/admin/auth/", GET=staff(404, 404, 200), POST=staff(404, 404, 200)),
        Row("the login log app", lambda w: "/admin/axes/", GET=staff(404, 404, 200), POST=staff(404, 404, 200)),
    ],
    "admin/(?P<url>.*)$": [
        Row("no such admin page", lambda w: "/admin/no-such-page/", GET=staff(404, 404, 404), POST=staff(404, 404, 404))
    ],
    # Key images: educators may change every case, so they may pick and annotate its key images.
    "admin/cases/case/<int:case_id>/key-images/": [
        Row(
            "an unpublished case's key images",
            lambda w: f"/admin/cases/case/{w.draft_case.pk}/key-images/",
            GET=staff(200, 200, 200),
            POST=staff(405, 405, 405),
        ),
    ],
    "admin/cases/case/<int:case_id>/key-images/<int:reading_id>/<str:item>/": [
        Row(
            "the key image of an unpublished case's collapse (an empty POST shows the form again)",
            lambda w: (
                f"/admin/cases/case/{w.draft_case.pk}/key-images/{w.draft_case.readings.get(is_primary=True).pk}/collapse/"
            ),
            GET=staff(200, 200, 200),
            POST=staff(200, 200, 200),
        ),
    ],
    # DICOM import: educators may change every case, so they may import into it and act on its imports.
    "admin/cases/case/<int:case_id>/dicom/": [
        Row(
            "import DICOM into an unpublished case (an empty POST says no file was chosen)",
            lambda w: f"/admin/cases/case/{w.draft_case.pk}/dicom/",
            GET=staff(405, 405, 405),
            POST=staff(302, 302, 302),
        ),
    ],
    "admin/cases/case/<int:case_id>/dicom/progress/": [
        Row(
            "an unpublished case's imports",
            lambda w: f"/admin/cases/case/{w.draft_case.pk}/dicom/progress/",
            GET=staff(200, 200, 200),
            POST=staff(405, 405, 405),
        ),
    ],
    "admin/cases/case/<int:case_id>/dicom/<int:ingest_id>/<str:action>/": [
        Row(
            "retry a failed import",
            lambda w: f"/admin/cases/case/{w.draft_case.pk}/dicom/{w.failed_ingest.pk}/retry/",
            GET=staff(405, 405, 405),
            POST=staff(302, 302, 302),
        ),
    ],
    # Case archives: educators may add cases, so they may import an archive (an empty POST asks for the file).
    "admin/cases/case/import/": [
        Row(
            "import a case archive",
            lambda w: "/admin/cases/case/import/",
            GET=staff(200, 200, 200),
            POST=staff(200, 200, 200),
        ),
    ],
    # Regrading: educators may change every case, so they may choose for its attempts (none wait here: back).
    "admin/cases/case/<int:case_id>/grades/<str:choice>/": [
        Row(
            "regrade an unpublished case's attempts",
            lambda w: f"/admin/cases/case/{w.draft_case.pk}/grades/regrade/",
            GET=staff(302, 302, 302),
            POST=staff(302, 302, 302),
        ),
    ],
    "admin/auth/user/<id>/password/": [
        Row(
            "set A's password",
            lambda w: f"/admin/auth/user/{w.trainee_a.pk}/password/",
            GET=staff(403, 403, 200),
            POST=staff(403, 403, 200),
        ),
    ],
}

# What each staff role may do with each model in the admin: v(iew), c(hange), a(dd), d(elete), and whether
# the object used for the object pages is in the admin's list for them (cohorts: only an educator's own).
# django-axes' login records have no editable field: a superuser's empty POST to one "saves" it unchanged.
ALL = "vcad"
ADMIN_MODELS: dict[str, tuple[Callable[[World], object], tuple[tuple[str, bool], ...]]] = {
    # model: (object, ((perms, sees the object) for educator_other, educator_a, superuser))
    "auth/group": (lambda w: w.trainees_group, (("", True), ("", True), (ALL, True))),
    "auth/user": (lambda w: w.trainee_a, (("", True), ("", True), (ALL, True))),
    "axes/accessattempt": (lambda w: w.access_attempt, (("", True), ("", True), ("vcd", True))),
    "axes/accesslog": (lambda w: w.access_log, (("", True), ("", True), ("vcd", True))),
    "axes/accessfailurelog": (lambda w: w.access_failure, (("", True), ("", True), ("vcd", True))),
    "progress/cohort": (lambda w: w.cohort_a, (("vca", False), ("vca", True), (ALL, True))),
    "cases/case": (lambda w: w.draft_case, ((ALL, True), (ALL, True), (ALL, True))),
    "cases/series": (lambda w: w.draft_series, ((ALL, True), (ALL, True), (ALL, True))),
    "sets/caseset": (lambda w: w.assignment.case_set, ((ALL, True), (ALL, True), (ALL, True))),
    # An educator manages the assignments of the cohorts they follow.
    "sets/assignment": (lambda w: w.assignment, ((ALL, False), (ALL, True), (ALL, True))),
    # Educators read and answer their trainees' reports; trainees send them, so nobody adds one here.
    "problems/problemreport": (lambda w: w.problem_report, (("vc", False), ("vc", True), ("vcd", True))),
}


def _model_rows(model: str, obj: Callable[[World], object], access) -> dict[str, list[Row]]:
    """The six admin routes of a model, with outcomes following from each staff role's permissions.

    Django's admin checks the permission before looking the object up for change and delete (403 first),
    and looks the object up first for its history; an object outside the role's list is a redirect to the
    admin index ("perhaps it was deleted"), never its page.
    """

    def outcomes(decide) -> tuple:
        return staff(*(decide(set(perms), sees) for perms, sees in access))

    def viewable(perms, sees, need):
        if not perms & need:
            return 403
        return 200 if sees else 302

    def changed(perms, sees):
        if model.startswith("axes/") and "c" in perms:
            return 302
        return viewable(perms, sees, {"c"})

    base = f"admin/{model}/"
    rows = {
        base: Row(
            f"{model} list",
            lambda w: f"/{base}",
            GET=outcomes(lambda p, s: 200 if p & {"v", "c"} else 403),
            POST=outcomes(lambda p, s: 200 if p & {"v", "c"} else 403),
        ),
        f"{base}add/": Row(
            f"add a {model}",
            lambda w: f"/{base}add/",
            GET=outcomes(lambda p, s: 200 if "a" in p else 403),
            POST=outcomes(lambda p, s: 200 if "a" in p else 403),
        ),
        f"{base}<path:object_id>/history/": Row(
            f"a {model}'s history",
            lambda w: f"/{base}{obj(w).pk}/history/",
            GET=outcomes(lambda p, s: (200 if p & {"v", "c"} else 403) if s else 302),
            POST=outcomes(lambda p, s: (200 if p & {"v", "c"} else 403) if s else 302),
        ),
        f"{base}<path:object_id>/delete/": Row(
            f"delete a {model} (the confirmation page: the empty POST confirms nothing)",
            lambda w: f"/{base}{obj(w).pk}/delete/",
            GET=outcomes(lambda p, s: viewable(p, s, {"d"})),
            POST=outcomes(lambda p, s: viewable(p, s, {"d"})),
        ),
        f"{base}<path:object_id>/change/": Row(
            f"change a {model}",
            lambda w: f"/{base}{obj(w).pk}/change/",
            GET=outcomes(lambda p, s: viewable(p, s, {"v", "c"})),
            POST=outcomes(changed),
        ),
        f"{base}<path:object_id>/": Row(
            f"a {model}'s old address (redirects to its change page)",
            lambda w: f"/{base}{obj(w).pk}/",
            GET=staff(302, 302, 302),
            POST=staff(302, 302, 302),
        ),
    }
    return {pattern: [row] for pattern, row in rows.items()}


for _model, (_obj, _access) in ADMIN_MODELS.items():
    ADMIN |= _model_rows(_model, _obj, _access)

MATRIX: dict[str, list[Row]] = APP | ADMIN
