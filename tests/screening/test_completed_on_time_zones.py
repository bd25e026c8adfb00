"""`completed_on` is in the future only where it is in the future for the patient: a bare date
after today's date in the earliest time zone (UTC+14), a FHIR `authored` date-time after now."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from clinic.models import ApiClient, Clinic, Patient
from clinic.services import api_client_create
from screening.fhir.response_in import QuestionnaireResponseUnusable, intake_document
from screening.instruments import get_instrument
from screening.models import Intake
from screening.samples import sample_document
from screening.validation import latest_possible_date, validate_intake

INSTRUMENT = get_instrument("barrier-intake", 1)
# Noon UTC on 1 December: already 2 December from UTC+12 eastwards.
NOON_UTC = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

# (instant, latest accepted date): the UTC+14 date rolls over at 10:00 UTC.
BOUNDARIES = [
    ("2026-11-30T23:59:59Z", "2026-12-01"),
    ("2026-12-01T00:00:00Z", "2026-12-01"),
    ("2026-12-01T09:59:59Z", "2026-12-01"),
    ("2026-12-01T10:00:00Z", "2026-12-02"),
    ("2026-12-01T23:59:59Z", "2026-12-02"),
    ("2026-12-02T00:00:00Z", "2026-12-02"),
]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def day_after(text: str) -> str:
    return (date.fromisoformat(text) + timedelta(days=1)).isoformat()


def completed_on_problems(document: Any, now: datetime) -> list[tuple[str, str]]:
    return [
        (problem.code, problem.message)
        for problem in validate_intake(document, today=latest_possible_date(now))
        if problem.item == "completed_on"
    ]


def fhir_response(authored: str) -> dict[str, Any]:
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{INSTRUMENT.url}|{INSTRUMENT.version}",
        "status": "completed",
        "authored": authored,
    }


# --- the latest possible date (pure) --------------------------------------------------------


@pytest.mark.parametrize(("instant", "latest"), BOUNDARIES)
def test_it_takes_the_latest_date_from_the_earliest_time_zone(instant: str, latest: str) -> None:
    assert latest_possible_date(utc(instant)) == date.fromisoformat(latest)


def test_it_reads_the_instant_whatever_offset_now_is_given_in() -> None:
    # 02:00 on 1 December in Hawaii (UTC-10) is 12:00 UTC: 2 December in UTC+14.
    hawaii = datetime(2026, 12, 1, 2, 0, tzinfo=timezone(timedelta(hours=-10)))

    assert latest_possible_date(hawaii) == date(2026, 12, 2)


def test_it_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError, match="aware"):
        latest_possible_date(datetime(2026, 12, 1, 12, 0))  # noqa: DTZ001


# --- validation (pure) ----------------------------------------------------------------------


@pytest.mark.parametrize(("instant", "latest"), BOUNDARIES)
def test_it_accepts_the_latest_date_and_refuses_the_day_after(instant: str, latest: str) -> None:
    now = utc(instant)

    assert completed_on_problems(sample_document(completed_on=latest), now) == []
    [(code, _)] = completed_on_problems(sample_document(completed_on=day_after(latest)), now)
    assert code == "future_date"


def test_the_future_message_names_the_latest_accepted_date_not_the_servers_date() -> None:
    [(_, message)] = completed_on_problems(sample_document(completed_on="2026-12-03"), NOON_UTC)

    assert message == (
        "2026-12-03 is in the future: the latest date accepted now is 2026-12-02 "
        "(today's date where the day starts first, UTC+14)"
    )
    assert "today is" not in message


# --- FHIR authored (pure) -------------------------------------------------------------------


def test_an_authored_date_time_already_today_in_its_own_offset_is_accepted() -> None:
    # 01:00 on 2 December in UTC+14 is 11:00 UTC on 1 December: an hour before noon UTC.
    document = intake_document(fhir_response("2026-12-02T01:00:00+14:00"), now=NOON_UTC)

    assert document["completed_on"] == "2026-12-02"
    assert completed_on_problems({**sample_document(), **document}, NOON_UTC) == []


def test_an_authored_date_time_after_now_is_refused_naming_authored() -> None:
    # 01:00 on 2 December in UTC is 13 hours after noon UTC on 1 December.
    with pytest.raises(QuestionnaireResponseUnusable) as refused:
        intake_document(fhir_response("2026-12-02T01:00:00+00:00"), now=NOON_UTC)

    [(where, message)] = refused.value.problems
    assert where == "authored"
    assert message == (
        "2026-12-02T01:00:00+00:00 is in the future: the response was received at "
        "2026-12-01T12:00:00+00:00"
    )


def test_an_authored_date_time_equal_to_now_is_accepted() -> None:
    document = intake_document(fhir_response("2026-12-01T12:00:00Z"), now=NOON_UTC)

    assert document["completed_on"] == "2026-12-01"


@pytest.mark.parametrize(
    "authored",
    [
        "2026-12-01T09:00:00",  # a time without its offset (FHIR requires one)
        "2026-12-01T09:00+01:00",  # no seconds (FHIR requires them)
        "2026-12-01+01:00",  # an offset without a time
        "2026-12-01T09:00:00+15:00",  # no such offset
        "2026-12",
        "2026-02-30",  # not a calendar date
        "2026-02-30T09:00:00Z",
        "",
        None,
    ],
)
def test_a_malformed_authored_is_refused_naming_authored(authored: Any) -> None:
    with pytest.raises(QuestionnaireResponseUnusable) as refused:
        intake_document(fhir_response(authored), now=NOON_UTC)

    assert [where for where, _ in refused.value.problems] == ["authored"]


def test_an_authored_date_alone_is_accepted_up_to_the_date_in_utc_plus_14() -> None:
    document = intake_document(fhir_response("2026-12-02"), now=NOON_UTC)

    assert document["completed_on"] == "2026-12-02"
    assert completed_on_problems({**sample_document(), **document}, NOON_UTC) == []


def test_an_authored_date_alone_after_the_date_in_utc_plus_14_is_refused_naming_authored() -> None:
    with pytest.raises(QuestionnaireResponseUnusable) as refused:
        intake_document(fhir_response("2026-12-03"), now=NOON_UTC)

    [(where, message)] = refused.value.problems
    assert where == "authored"
    assert "the latest date accepted now is 2026-12-02" in message


# --- the JSON API ---------------------------------------------------------------------------


@pytest.fixture
def json_writer(clinic_a: Clinic) -> APIClient:
    token = api_client_create(clinic=clinic_a, name="records", scope=ApiClient.Scope.READ_WRITE)[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def post_intake(client: APIClient, patient: Patient, completed_on: str) -> Any:
    body = {"patient": patient.pk, "document": sample_document(completed_on=completed_on)}
    return client.post("/api/v1/intakes/", body, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize(("instant", "latest"), BOUNDARIES)
def test_the_json_api_accepts_up_to_the_date_in_the_earliest_time_zone(
    instant: str, latest: str, json_writer: APIClient, patient: Patient
) -> None:
    # given the server's clock at a boundary
    with time_machine.travel(instant, tick=False):
        # when the latest accepted date and the day after are posted
        accepted = post_intake(json_writer, patient, latest)
        refused = post_intake(json_writer, patient, day_after(latest))

    # then the first is stored, the second refused naming completed_on and the latest date
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["completed_on"] == latest
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert (error["field"], error["code"]) == ("completed_on", "future_date")
    assert f"the latest date accepted now is {latest}" in error["message"]
    assert Intake.objects.count() == 1
