"""The mobile survey form and /api/indicators: server-side validation with reasons, one response per browser."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.config import Settings
from bot.db import dispose_engines, session_factory, transaction, utcnow
from bot.web.app import create_app
from surveys import verification
from surveys.flow import answers_of
from surveys.keys import resolve_salt
from surveys.models import SurveyResponse

GOOD = {
    "publicity": "aware",
    "participation": ["sorting", "reuse"],
    "satisfaction": "satisfied",
    "township": "xz_hezhuang",
    "age_band": "a45_59",
    "identity": "employee",
    "comment": "希望多些回收点",
}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c
    dispose_engines()  # give the per-test database's pooled connections back (PostgreSQL has a cap)


def test_the_form_is_a_chinese_mobile_page_with_every_question(client: TestClient) -> None:
    page = client.get("/survey/public")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'lang="zh-CN"' in page.text and "viewport" in page.text
    for value in ("publicity", "participation", "satisfaction", "township", "age_band", "identity", "comment"):
        assert f'name="{value}"' in page.text
    assert 'type="checkbox" name="participation" value="none"' in page.text
    assert '<select name="township">' in page.text  # 30 townships: a drop-down
    assert "回复" not in page.text  # form wording: no "回复数字" / "回复跳过" instructions meant for the chat
    assert "您对“无废城市”建设还有什么意见或建议？" in page.text
    assert client.get("/survey/nope").status_code == 404


def test_a_bad_submission_gets_422_with_reasons_and_keeps_what_was_filled(client: TestClient) -> None:
    client.get("/survey/public")
    bad = {**GOOD, "participation": ["sorting", "none"], "satisfaction": "maybe"}
    r = client.post("/survey/public", data=bad)
    assert r.status_code == 422
    assert "不能和其他选项同时选" in r.text and 'class="q bad" id="q-satisfaction"' in r.text
    banner = r.text.split('id="form-errors"')[1].split("</div>")[0]  # the banner lists what is wrong
    assert "第 2 题（“都没有”不能和其他选项同时选" in banner and "第 3 题（请从选项中选择一项）" in banner
    assert "回复" not in r.text
    assert 'value="xz_hezhuang" selected' in r.text
    missing = {k: v for k, v in GOOD.items() if k != "identity"}
    r = client.post("/survey/public", data=missing)
    assert r.status_code == 422 and 'id="q-identity"' in r.text and "需要回答" in r.text
    assert (
        client.post(
            "/survey/public", content=b"\xff\xfe", headers={"content-type": "application/x-www-form-urlencoded"}
        ).status_code
        == 400
    )


def test_a_good_submission_is_stored_once_per_browser(client: TestClient, settings: Settings) -> None:
    client.get("/survey/public")
    r = client.post("/survey/public", data=GOOD)
    assert r.status_code == 200 and "提交成功" in r.text
    assert client.post("/survey/public", data=GOOD).status_code == 409
    assert "已经提交过" in client.get("/survey/public").text
    other = TestClient(client.app)  # another phone: no cookie yet
    assert other.post("/survey/public", data=GOOD).status_code == 200
    with transaction(session_factory(settings.db_url)) as session:
        rows = session.execute(select(SurveyResponse)).scalars().all()
        assert len(rows) == 2 and {r.source for r in rows} == {"web"}
        assert answers_of(session, rows[0])["participation"] == ["sorting", "reuse"]
        assert rows[0].township == "xz_hezhuang"


def test_indicators_api_returns_rates_intervals_and_method(client: TestClient, settings: Settings) -> None:
    with transaction(session_factory(settings.db_url)) as session:  # answers through a QR pass count officially
        salt = resolve_salt(settings.surveys.salt, settings.data_dir)
        token = verification.create_pass(
            session, survey_id="public", label="和庄社区活动", max_uses=4, salt=salt, now=utcnow()
        )
    for satisfaction in ("satisfied", "fairly_satisfied", "neutral", "unsure"):
        r = TestClient(client.app).post("/survey/public", data={**GOOD, "satisfaction": satisfaction, "_pass": token})
        assert r.status_code == 200
    client = TestClient(client.app, client=("127.0.0.1", 50000))  # /api/indicators answers this machine by default
    data = client.get("/api/indicators", params={"by": "age_band"}).json()
    assert data["survey"] == "public" and data["n"] == 4
    sat = next(i for i in data["indicators"] if i["key"] == "satisfaction")
    assert (sat["numerator"], sat["denominator"], sat["excluded"]) == (2, 3, 1)
    assert sat["ci_low"] < sat["rate"] < sat["ci_high"] and sat["target"] == 0.9 and sat["met"] is False
    assert sat["score"] == pytest.approx(80.0) and "不清楚" in sat["method"]
    assert list(data["breakdown"]["age_band"]) == ["45–59岁"]
    assert client.get("/api/indicators", params={"by": "password"}).status_code == 422
    assert client.get("/api/indicators", params={"survey": "nope"}).status_code == 404
