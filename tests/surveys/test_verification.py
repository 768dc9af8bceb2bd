"""surveys.verification: which responses the official figures count, the pass use limit, the per-client form limit."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import replace
from pathlib import Path
from threading import Barrier, Thread

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.admin import audit
from bot.db import session_factory, transaction
from surveys import flow, report, tally, verification
from surveys.definition import load_surveys
from surveys.models import SurveyFormClient, SurveyPass
from tests.support.campaigns import add_residents
from tests.surveys.test_import_export import GOOD as IMPORT_ROWS
from tests.surveys.test_import_export import write_csv, wufei

NOW = dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC)
PUBLIC = load_surveys()["public"]
YES = {"publicity": ["trained"], "participation": ["sorting"], "satisfaction": ["satisfied"]}
NO = {"publicity": ["none"], "participation": ["none"], "satisfaction": ["dissatisfied"]}
SALT = "test-salt"


def submit(session: Session, answers: dict[str, list[str]], key: str | None, source: str, how: str | None) -> None:
    stored = flow.submit(
        session, PUBLIC, answers, key=key, resident_id=None, channel="web", source=source, now=NOW, verification=how
    )
    assert stored is not None


def test_official_figures_leave_out_unverified_web_answers_unless_the_survey_counts_them(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        submit(session, NO, "chat-1", "chat", None)
        submit(session, NO, "link-1", "link", None)
        submit(session, YES, "web-code", "web", verification.CODE)
        submit(session, YES, None, "import", None)
        for i in range(6):
            submit(session, YES, f"flood-{i}", "web", verification.UNVERIFIED)
    with transaction(factory) as session:
        data = report.build(session, PUBLIC, wave=PUBLIC.wave, with_reach=False)
        sat = next(i for i in data["indicators"] if i["key"] == "satisfaction")
        assert data["n"] == 4 and (sat["numerator"], sat["denominator"]) == (2, 4)
        assert data["kinds"] == {"chat": 1, "link": 1, "web_verified": 1, "web_unverified": 6, "import": 1}
        assert data["counted_kinds"] == ["chat", "link", "web_verified", "import"]
        by_source = report.build(session, PUBLIC, wave=PUBLIC.wave, by=["source"], with_reach=False)
        assert by_source["breakdown"]["source"]["web"][0]["denominator"] == 1  # breakdowns use the same scope
        everyone = replace(PUBLIC, count_unverified=True)  # `count_unverified: true` in the survey file
        assert tally.count_responses(session, everyone, PUBLIC.wave) == 10
        assert "web_unverified" in verification.counted_kinds(everyone)


def test_a_pass_gives_exactly_its_uses_even_to_concurrent_posts(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        token = verification.create_pass(session, survey_id="public", label="社区活动", max_uses=3, salt=SALT, now=NOW)
        expired = verification.create_pass(
            session, survey_id="public", label="旧活动", max_uses=3, salt=SALT, now=NOW, expires_at=NOW
        )
    barrier = Barrier(8)
    results: list[bool] = []

    def take() -> None:
        barrier.wait()
        with transaction(factory) as session:
            results.append(verification.use_pass(session, survey_id="public", token=token, salt=SALT, now=NOW))

    threads = [Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True] * 3
    with transaction(factory) as session:
        assert not verification.use_pass(session, survey_id="public", token=expired, salt=SALT, now=NOW)
        assert not verification.use_pass(session, survey_id="other", token=token, salt=SALT, now=NOW)
        assert {p.label: p.uses for p in session.execute(select(SurveyPass)).scalars()} == {"社区活动": 3, "旧活动": 0}


def test_the_form_limit_is_shared_by_sessions_and_frees_up_the_next_hour(factory: sessionmaker[Session]) -> None:
    def post(client: str, survey_id: str, now: dt.datetime) -> bool:
        with transaction(factory) as session:  # a new session each time, as another worker process would have
            return verification.check_form(session, client=client, survey_id=survey_id, now=now, per_hour=3)

    assert [post("203.0.113.7", "public", NOW + dt.timedelta(seconds=i)) for i in range(5)] == [True] * 3 + [False] * 2
    assert post("203.0.113.8", "public", NOW) and post("203.0.113.7", "other", NOW)  # per client and per survey
    assert post("203.0.113.7", "public", NOW + dt.timedelta(hours=1))  # a new hour
    assert verification.retry_after(NOW) == 30 * 60
    with transaction(factory) as session:
        row = session.get(SurveyFormClient, ("203.0.113.7", "public"))
        assert row is not None and row.refused == 2 and row.posts == 1
        shown = verification.activity(session, PUBLIC, now=NOW + dt.timedelta(hours=1))
        assert shown["throttled"] == [{"client": "203.0.*.*", "refused": 2, "last": "2026-12-04 17:30"}]
    with transaction(factory) as session:  # the scheduler's housekeeping forgets clients after 8 quiet days
        assert verification.purge_form_clients(session, now=NOW + dt.timedelta(days=7)) == 0
        assert verification.purge_form_clients(session, now=NOW + dt.timedelta(days=9)) == 3


def test_a_new_code_replaces_the_last_one_and_codes_are_tied_to_their_survey(factory: sessionmaker[Session]) -> None:
    (resident,) = add_residents(factory, 1, now=NOW, channel="telegram")
    with transaction(factory) as session:
        first = verification.issue_code(session, survey_id="public", resident_id=resident, salt=SALT, now=NOW)
        second = verification.issue_code(session, survey_id="public", resident_id=resident, salt=SALT, now=NOW)
    with transaction(factory) as session:
        later = NOW + dt.timedelta(seconds=1)
        assert (
            first == second
            or verification.find_code(session, survey_id="public", code=first, salt=SALT, now=later) is None
        )
        found = verification.find_code(session, survey_id="public", code=second, salt=SALT, now=later)
        assert found is not None and found.resident_id == resident
        assert verification.find_code(session, survey_id="other", code=second, salt=SALT, now=later) is None
        gone = NOW + verification.CODE_TTL + dt.timedelta(seconds=1)
        assert verification.find_code(session, survey_id="public", code=second, salt=SALT, now=gone) is None


def test_the_cli_prints_a_qr_pass_and_audits_it_and_imports(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "WUFEI_DATA_DIR": str(tmp_path / "data"),
        "WUFEI_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "WUFEI_LOG_LEVEL": "WARNING",
    }
    made = wufei(env, "survey", "pass", "public", "--label", "和庄社区宣传日", "--uses", "2", "--days", "7")
    assert made.returncode == 0, made.stderr
    assert re.fullmatch(r"/survey/public\?pass=[\w-]{20,}", made.stdout.strip())
    assert wufei(env, "survey", "pass", "public", "--label", "x", "--uses", "0").returncode == 2
    imported = wufei(env, "survey", "import", "public", str(write_csv(tmp_path / "good.csv", IMPORT_ROWS)))
    assert imported.returncode == 0, imported.stderr
    factory = session_factory(env["WUFEI_DATABASE_URL"])
    with transaction(factory) as session:
        (made_pass,) = session.execute(select(SurveyPass)).scalars().all()
        assert (made_pass.label, made_pass.max_uses, made_pass.uses) == ("和庄社区宣传日", 2, 0)
        assert made_pass.expires_at is not None and made_pass.created_by and made_pass.created_by.startswith("cli:")
        entries = {e.action: e for e in audit.entries(session)}
        assert entries["survey.pass"].detail["label"] == "和庄社区宣传日"
        assert entries["survey.import"].actor.startswith("cli:") and entries["survey.import"].detail["imported"] == 4
