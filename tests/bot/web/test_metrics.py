"""GET /metrics: this process's request and answer counters, and push, survey and resident totals from the database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker

from bot.config import CampaignSettings, Settings
from bot.db import transaction
from bot.web.app import create_app
from campaigns.models import Campaign, CampaignRun, Delivery, Resident
from surveys.models import SurveyResponse
from tests.support.campaigns import add_residents
from tests.support.dialog import T0

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: TestClient) -> Samples:
    r = TestClient(client.app, client=("127.0.0.1", 50000)).get("/metrics")  # private by default: this machine only
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def quiet(settings: Settings) -> Settings:
    """No scheduler: its housekeeping (expiring idle surveys …) would change the figures between two scrapes."""
    return settings.model_copy(update={"campaigns": CampaignSettings(scheduler=False)})


@pytest.fixture
def client(quiet: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(quiet)) as c:
        yield c


def test_requests_are_counted_by_route_template_and_status(client: TestClient) -> None:
    client.post("/api/chat", json={"text": "用过的纸巾扔哪个桶"})
    client.post("/api/chat", json={"text": "电池"})
    client.post("/api/chat", json={})
    client.get("/survey/no-such-survey")
    client.get("/../../etc/passwd")
    samples = scrape(client)
    total = "wufei_http_requests_total"
    assert value(samples, total, method="POST", route="/api/chat", status="200") == 2
    assert value(samples, total, method="POST", route="/api/chat", status="422") == 1
    assert value(samples, total, method="GET", route="/survey/{survey_id}", status="404") == 1
    assert value(samples, total, method="GET", route="unmatched", status="404") == 1
    assert not any("passwd" in dict(labels).get("route", "") for _, labels in samples)


def test_answers_are_counted_by_outcome(client: TestClient) -> None:
    for text in ("用过的纸巾扔哪个桶", "电池", "电池"):
        client.cookies.clear()  # three residents: each browser gets its own identity
        client.post("/api/chat", json={"text": text})
    samples = scrape(client)
    assert value(samples, "wufei_answers_total", outcome="sorting") == 1
    assert value(samples, "wufei_answers_total", outcome="clarify") == 2


def add_pushes(factory: sessionmaker[Session]) -> None:
    ids = add_residents(factory, 3, now=T0, channel="telegram", prefix="t")
    with transaction(factory) as session:
        session.get_one(Resident, ids[2]).status = "stopped"
        campaign = Campaign(
            name="c",
            text="t",
            channels=["telegram"],
            schedule_kind="now",
            state="running",
            created_at=T0,
            updated_at=T0,
        )
        session.add(campaign)
        session.flush()
        run = CampaignRun(campaign_id=campaign.id, due_at=T0, state="sending", created_at=T0)
        session.add(run)
        session.flush()
        for resident_id, state in zip(ids, ["sent", "sent", "failed"], strict=True):
            session.add(
                Delivery(
                    campaign_id=campaign.id,
                    run_id=run.id,
                    resident_id=resident_id,
                    channel="telegram",
                    state=state,
                    next_attempt_at=T0,
                    created_at=T0,
                    updated_at=T0,
                )
            )
        for status in ("completed", "completed", "in_progress"):
            session.add(
                SurveyResponse(
                    survey_id="public", version=1, wave="w1", source="web", status=status, started_at=T0, updated_at=T0
                )
            )


def test_database_totals_are_the_same_from_every_process(quiet: Settings, client: TestClient) -> None:
    add_pushes(client.app.state.factory)  # type: ignore[attr-defined]
    samples = scrape(client)
    assert value(samples, "wufei_database_up") == 1
    assert value(samples, "wufei_pushes", channel="telegram", state="sent") == 2
    assert value(samples, "wufei_pushes", channel="telegram", state="failed") == 1
    assert value(samples, "wufei_survey_responses", survey="public", status="completed") == 2
    assert value(samples, "wufei_survey_responses", survey="public", status="in_progress") == 1
    assert value(samples, "wufei_residents", status="active") == 2
    assert value(samples, "wufei_residents", status="stopped") == 1
    with TestClient(create_app(quiet)) as second:  # another worker on the same database
        again = scrape(second)
    for name in ("wufei_pushes", "wufei_survey_responses", "wufei_residents"):
        assert {k: v for k, v in again.items() if k[0] == name} == {k: v for k, v in samples.items() if k[0] == name}
    assert value(again, "wufei_answers_total", outcome="sorting") == 0  # process counters are per process
