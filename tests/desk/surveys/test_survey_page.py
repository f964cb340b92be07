"""The answer page refuses what it must: tampered, expired and foreign links, ratings off the
scale, and keeps a comment of HTML and script as text, shown escaped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from starlette.testclient import TestClient

from desk.actions.surveys.answers import MAX_COMMENT
from desk.db import Database
from desk.links import request_token
from desk.models import Survey, SurveyStatus, User
from desk.settings import Settings
from desk.survey_links import survey_token
from tests.conftest import csrf_of, sign_in
from tests.desk.surveys.helpers import sent_survey, surveys

MakeUser = Callable[..., User]


@pytest.fixture
def agent(make_user: MakeUser) -> User:
    return make_user("agent", name="Ana Agent")


def test_opening_a_link_with_a_rating_records_nothing(
    db: Database, settings: Settings, client: TestClient, agent: User,
) -> None:
    _survey, path = sent_survey(db, settings, agent)
    for rating in ("1", "5", "9", "x"):
        assert client.get(f"{path}?rating={rating}").status_code == 200
    assert client.head(f"{path}?rating=1").status_code in (200, 405)
    (survey,) = surveys(db)
    assert survey.rating is None and survey.status == SurveyStatus.sent and survey.answers == 0


def test_a_tampered_link_is_refused_and_records_nothing(
    db: Database, settings: Settings, client: TestClient, agent: User,
) -> None:
    _survey, path = sent_survey(db, settings, agent)
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    page = client.get(tampered)
    assert page.status_code == 404 and "This survey link is not valid." in page.text
    assert client.post(tampered, data={"rating": "1"}).status_code == 404
    assert surveys(db)[0].rating is None


def test_a_foreign_link_is_refused(
    db: Database, settings: Settings, client: TestClient, agent: User,
) -> None:
    survey, _path = sent_survey(db, settings, agent)
    assert survey.id is not None
    # The customer's private request link, another key's survey link, another survey's id.
    request_link = request_token(settings.secret_key, survey.ticket_id, survey.customer_id)
    other_key = URLSafeTimedSerializer("another-secret", salt="desk.survey-link").dumps(
        [survey.id, survey.ticket_id])
    from desk.survey_links import survey_token
    wrong_ticket = survey_token(settings.secret_key, survey.id, survey.ticket_id + 1)
    for token in (request_link, other_key, wrong_ticket):
        assert client.get(f"/surveys/{token}").status_code == 404
        assert client.post(f"/surveys/{token}", data={"rating": "1"}).status_code == 404
    assert surveys(db)[0].rating is None


def test_an_expired_link_says_so_and_records_nothing(
    db: Database, settings: Settings, client: TestClient, agent: User,
) -> None:
    survey, _path = sent_survey(db, settings, agent)

    class ThirtyOneDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return super().get_timestamp() - 31 * 24 * 3600

    token = URLSafeTimedSerializer(str(settings.secret_key), salt="desk.survey-link",
                                   signer=ThirtyOneDaysAgo).dumps([survey.id, survey.ticket_id])
    page = client.get(f"/surveys/{token}")
    assert page.status_code == 410 and "expired" in page.text
    assert client.post(f"/surveys/{token}", data={"rating": "5"}).status_code == 410
    assert surveys(db)[0].rating is None


@pytest.mark.parametrize("rating", ["0", "6", "-1", "4.5", "", "five", "99999999999999999999"])
def test_a_rating_off_the_scale_is_a_form_error_with_the_comment_kept(
    db: Database, settings: Settings, client: TestClient, agent: User, rating: str,
) -> None:
    _survey, path = sent_survey(db, settings, agent)
    page = client.post(path, data={"rating": rating, "comment": "kept <b>as typed</b>"})
    assert page.status_code == 400
    assert "Choose one of the five answers." in page.text
    assert "kept &lt;b&gt;as typed&lt;/b&gt;" in page.text
    assert surveys(db)[0].rating is None and surveys(db)[0].status == SurveyStatus.sent


def test_html_and_script_in_a_comment_are_stored_as_text_and_shown_escaped(
    db: Database, settings: Settings, client: TestClient, agent: User, make_user: MakeUser,
) -> None:
    from tests.conftest import sign_in

    _survey, path = sent_survey(db, settings, agent)
    comment = '<script>alert("x")</script><img src=x onerror=alert(1)>' + "a" * (100 * 1024 - 60)
    assert client.post(path, data={"rating": "1", "comment": comment},
                       follow_redirects=False).status_code == 303
    (survey,) = surveys(db)
    assert survey.comment == comment and survey.rating == 1
    page = client.get(path)
    assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text
    sign_in(client, make_user("admin"))
    dashboard = client.get("/reports/")
    assert dashboard.status_code == 200
    assert "<script>alert" not in dashboard.text and "&lt;script&gt;alert" in dashboard.text


def test_a_comment_over_the_limit_is_refused_with_the_form_kept(
    db: Database, settings: Settings, client: TestClient, agent: User,
) -> None:
    _survey, path = sent_survey(db, settings, agent)
    page = client.post(path, data={"rating": "3", "comment": "x" * (MAX_COMMENT + 1)})
    assert page.status_code == 400 and "This comment is too long." in page.text
    assert 'value="3" checked' in page.text
    assert surveys(db)[0].rating is None


def test_a_post_a_browser_marks_as_cross_site_is_refused(
    db: Database, settings: Settings, client: TestClient, agent: User,
) -> None:
    _survey, path = sent_survey(db, settings, agent)
    page = client.post(path, data={"rating": "1"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert page.status_code == 403
    assert surveys(db)[0].rating is None


def test_the_customer_can_ask_for_no_more_surveys(
    db: Database, settings: Settings, client: TestClient, agent: User,
) -> None:
    _survey, path = sent_survey(db, settings, agent)
    done = client.post(f"{path}/opt-out")
    assert done.status_code == 200 and "We will send you no more surveys." in done.text
    # Their next solved ticket is not surveyed.
    sent_before = len(surveys(db))
    with pytest.raises(AssertionError):
        sent_survey(db, settings, agent)
    later = surveys(db)
    assert len(later) == sent_before + 1
    assert later[-1].status == SurveyStatus.skipped and later[-1].skip_reason == "customer_opted_out"


def _request_page(settings: Settings, survey: Survey) -> str:
    return f"/requests/{request_token(settings.secret_key, survey.ticket_id, survey.customer_id)}"


def _answer_links(page: str) -> dict[str, str]:
    """The request page's survey answers: label by link."""
    answers = page.split('class="survey-answers"', 1)[1].split("</ul>", 1)[0]
    return {a.split('"', 1)[0]: a.split(">", 1)[1].split("</a>", 1)[0]
            for a in answers.split('<a href="')[1:]}


def test_the_request_page_asks_the_surveys_question_with_an_answer_link_each(
    db: Database, settings: Settings, client: TestClient, agent: User,
) -> None:
    survey, path = sent_survey(db, settings, agent)
    page = client.get(_request_page(settings, survey)).text
    assert 'data-survey="sent"' in page
    assert "How satisfied are you with the help you received?" in page
    links = _answer_links(page)
    assert list(links.values()) == ["5 · Very satisfied", "4 · Satisfied",
                                    "3 · Neither satisfied nor dissatisfied", "2 · Dissatisfied",
                                    "1 · Very dissatisfied"]
    four = next(link for link, label in links.items() if label.startswith("4"))
    assert four.startswith("/surveys/") and four.endswith("?rating=4")
    assert 'value="4" checked' in client.get(four).text  # opening it records nothing
    assert surveys(db)[0].rating is None
    client.post(four.split("?", 1)[0], data={"rating": "4"})
    page = client.get(_request_page(settings, survey)).text
    assert 'data-survey="answered"' in page and "Your answer: Satisfied." in page
    assert surveys(db)[0].rating == 4 and path.startswith("/surveys/")


def test_on_the_three_point_scale_the_request_page_offers_three_answers_by_name(
    db: Database, settings: Settings, client: TestClient, agent: User, make_user: MakeUser,
) -> None:
    sign_in(client, make_user("admin"))
    form = {"csrf_token": csrf_of(client, "/admin/surveys"), "delay_minutes": "60", "scale": "3",
            "low_rating": "2", "low_notifies": "1"}
    assert client.post("/admin/surveys", data=form, follow_redirects=False).status_code == 303
    survey, path = sent_survey(db, settings, agent)
    page = client.get(_request_page(settings, survey)).text
    assert list(_answer_links(page).values()) == ["Happy", "Neutral", "Unhappy"]
    client.post(path, data={"rating": "5"})
    page = client.get(_request_page(settings, survey)).text
    assert "Your answer: Happy." in page and "of 5" not in page


def test_answers_are_refused_31_days_after_the_survey_was_sent_however_new_the_link(
    db: Database, settings: Settings, client: TestClient, agent: User,
) -> None:
    survey, _path = sent_survey(db, settings, agent)
    with db.session() as session:  # the mail went 31 days ago
        row = session.get(Survey, survey.id)
        assert row is not None and row.sent_at is not None
        row.sent_at = row.sent_at - timedelta(days=31)
        session.add(row)
        session.commit()
    # The request page makes a new link each time it is opened: it no longer offers one...
    page = client.get(_request_page(settings, survey)).text
    assert "survey-answers" not in page
    # ...and a link signed just now (as that page would have) is refused all the same.
    assert survey.id is not None
    fresh = "/surveys/" + survey_token(settings.secret_key, survey.id, survey.ticket_id)
    assert client.get(f"{fresh}?rating=5").status_code == 410
    refused = client.post(fresh, data={"rating": "5"})
    assert refused.status_code == 410 and "expired" in refused.text
    assert surveys(db)[0].rating is None


def test_the_page_speaks_the_customers_language_unless_they_chose_another(
    db: Database, settings: Settings, client: TestClient, agent: User,
) -> None:
    _survey, path = sent_survey(db, settings, agent, locale="zh-CN")
    assert '<html lang="zh-CN">' in client.get(path).text
    client.cookies.set("desk_locale", "en")
    assert '<html lang="en">' in client.get(path).text


def test_a_link_with_an_absurd_rating_shows_the_page_with_nothing_chosen(
    db: Database, settings: Settings, client: TestClient, agent: User,
) -> None:
    _survey, path = sent_survey(db, settings, agent)
    page = client.get(f"{path}?rating={'4' * 5000}")
    assert page.status_code == 200 and "checked" not in page.text
