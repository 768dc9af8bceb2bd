"""Indicators nobody can stuff (issue #15 §1, §5): a flood of open web answers leaves the official figure unchanged,
is refused after the per-client limit and shows in the console; a code from the bot or a QR pass makes an answer count."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from bot.config import Settings
from bot.db import dispose_engines, session_factory, transaction, utcnow
from bot.dialogue import Dialogue, IncomingMessage
from bot.web.app import create_app
from surveys import texts, verification
from surveys.keys import resolve_salt
from surveys.models import SurveyCode, SurveyFormClient, SurveyPass, SurveyResponse
from tests.support.admin import Staff, csrf_of, staff_per_role

GOOD = {
    "publicity": "aware",
    "participation": ["sorting", "reuse"],
    "satisfaction": "satisfied",
    "township": "xz_hezhuang",
    "age_band": "a45_59",
    "identity": "employee",
}
FLOODER = ("203.0.113.7", 40000)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c
    dispose_engines()


def phone(client: TestClient, address: tuple[str, int] = ("198.51.100.20", 50000)) -> TestClient:
    """A new browser (no cookies) at `address`."""
    return TestClient(client.app, client=address)


def indicators(client: TestClient) -> dict[str, Any]:
    data: dict[str, Any] = phone(client, ("127.0.0.1", 50000)).get("/api/indicators").json()
    return data


def satisfaction(data: dict[str, Any]) -> tuple[int, int]:
    item = next(i for i in data["indicators"] if i["key"] == "satisfaction")
    return item["numerator"], item["denominator"]


def ask_code(settings: Settings, user: str, channel: str = "telegram") -> str:
    """What the bot answers a resident who sends 问卷验证码."""
    replies = Dialogue(session_factory(settings.db_url), settings).handle(
        IncomingMessage(channel, user, "问卷验证码", utcnow())
    )
    return " ".join(r.text for r in replies)


def make_pass(settings: Settings, label: str, max_uses: int) -> str:
    with transaction(session_factory(settings.db_url)) as session:
        salt = resolve_salt(settings.surveys.salt, settings.data_dir)
        return verification.create_pass(
            session, survey_id="public", label=label, max_uses=max_uses, salt=salt, now=utcnow()
        )


def login(client: TestClient, staff: Staff) -> None:
    """Log into the console without opening the dashboard (these tests look at the survey pages only)."""
    token = csrf_of(client.get("/admin/login").text)
    form = {"name": staff.name, "password": staff.password, "csrf_token": token}
    assert client.post("/admin/login", data=form, follow_redirects=False).status_code == 303


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_flood_from_one_client_leaves_the_official_figure_unchanged_is_refused_and_visible(
    client: TestClient, settings: Settings
) -> None:
    token = make_pass(settings, "和庄社区宣传日", 5)
    honest = phone(client).post("/survey/public", data={**GOOD, "satisfaction": "dissatisfied", "_pass": token})
    assert honest.status_code == 200
    before = indicators(client)
    assert before["n"] == 1 and satisfaction(before) == (0, 1)

    statuses = []
    for _ in range(30):  # one client, no cookies, thirty complete answers
        r = phone(client, FLOODER).post("/survey/public", data=GOOD)
        statuses.append(r.status_code)
        if r.status_code == 429:
            assert "太多" in r.text and int(r.headers["retry-after"]) > 0
    limit = settings.surveys.form_per_hour
    assert statuses == [200] * limit + [429] * (30 - limit)

    after = indicators(client)
    assert after["n"] == 1 and satisfaction(after) == (0, 1)  # the official figure did not move
    assert after["kinds"]["web_unverified"] == limit and after["kinds"]["web_verified"] == 1
    assert "web_unverified" not in after["counted_kinds"] and "web_verified" in after["counted_kinds"]
    other = phone(client).post("/survey/public", data=GOOD)  # another address is not throttled
    assert other.status_code == 200
    with transaction(session_factory(settings.db_url)) as session:
        rows = session.execute(select(SurveyResponse.verification)).scalars().all()
        assert sorted(rows, key=str) == sorted(["pass", *["unverified"] * (limit + 1)], key=str)
        throttle = session.get(SurveyFormClient, ("203.0.113.7", "public"))
        assert throttle is not None and throttle.refused == 30 - limit

    staff = staff_per_role(session_factory(settings.db_url))
    login(client, staff["viewer"])
    page = client.get("/admin/surveys").text
    shown = text_of(page)
    assert 'id="flood-warning"' in page and "203.0.*.*" in shown and f"被拒绝 {30 - limit} 次" in shown
    assert "203.0.113.7" not in page  # staff see enough to tell floods apart, not the address
    assert 'id="unverified-activity"' in page and f"{limit + 1}" in shown
    kinds = dict(re.findall(r'<tr data-kind="(\w+)"><td>[^<]*</td><td>(\d+)</td><td>(?:计入|不计入)', page))
    assert kinds == {"chat": "0", "link": "0", "web_verified": "1", "web_unverified": str(limit + 1), "import": "0"}
    assert re.search(r'data-kind="web_unverified">.*?不计入</td>', page)
    assert '已完成问卷 <b id="survey-n">1</b>' in page


def test_a_code_from_the_bot_makes_a_web_answer_count_once(client: TestClient, settings: Settings) -> None:
    said = ask_code(settings, "tg-resident")
    (code,) = re.findall(r"\b(\d{6})\b", said)
    assert "问卷验证码" in said and "30 分钟" in said
    assert texts.CODE_NOT_HERE in ask_code(settings, "web-visitor", channel="web")  # web chat ids cost nothing

    form = phone(client).get("/survey/public").text
    assert 'name="_code"' in form and "问卷验证码" in form
    wrong = phone(client).post("/survey/public", data={**GOOD, "_code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 422 and "验证码不对或已过期" in wrong.text
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    r = phone(client).post("/survey/public", data={**GOOD, "_code": f" {full_width} "})
    assert r.status_code == 200 and "提交成功" in r.text
    data = indicators(client)
    assert data["n"] == 1 and data["kinds"]["web_verified"] == 1 and satisfaction(data) == (1, 1)

    again = phone(client).post("/survey/public", data={**GOOD, "_code": code})
    assert again.status_code == 422 and "验证码不对或已过期" in again.text  # one use only
    limit = settings.surveys.form_per_hour  # guessing codes meets the per-client limit
    guesses = [
        phone(client, ("192.0.2.9", 1)).post("/survey/public", data={**GOOD, "_code": f"{i:06d}"}).status_code
        for i in range(limit + 1)
    ]
    assert guesses == [422] * limit + [429]
    fixing = phone(client, ("192.0.2.10", 1))  # a form sent back for corrections does not use up the limit
    for _ in range(limit + 2):
        assert fixing.post("/survey/public", data={**GOOD, "satisfaction": "maybe"}).status_code == 422
    with transaction(session_factory(settings.db_url)) as session:
        (response,) = session.execute(select(SurveyResponse)).scalars().all()
        assert response.verification == "code" and response.resident_id is not None
        (row,) = session.execute(select(SurveyCode)).scalars().all()
        assert row.used_at is not None and row.resident_id == response.resident_id
    # the answer is the resident's: asking again in the chat is told it is done, and a new code is not given
    assert "已经填过" in ask_code(settings, "tg-resident")


def test_a_qr_pass_counts_within_its_use_limit(client: TestClient, settings: Settings) -> None:
    token = make_pass(settings, "新建路街道第一小学", 2)
    form = phone(client).get("/survey/public", params={"pass": token}).text
    assert "新建路街道第一小学" in form and f'name="_pass" value="{token}"' in form and 'name="_code"' not in form
    results = [
        phone(client, (f"198.51.100.{i}", 5000)).post("/survey/public", data={**GOOD, "_pass": token}).status_code
        for i in range(3)
    ]
    assert results == [200, 200, 200]  # the third is stored, but unverified
    data = indicators(client)
    assert data["n"] == 2 and data["kinds"]["web_verified"] == 2 and data["kinds"]["web_unverified"] == 1
    used_up = phone(client).get("/survey/public", params={"pass": token}).text
    assert "已用完" in used_up and 'name="_pass"' not in used_up
    assert "已用完" in phone(client).get("/survey/public", params={"pass": "forged-token"}).text
    with transaction(session_factory(settings.db_url)) as session:
        (row,) = session.execute(select(SurveyPass)).scalars().all()
        assert (row.uses, row.max_uses) == (2, 2) and token not in row.token_hash


def test_the_xlsx_and_printable_report_say_how_many_of_each_kind_and_which_count(
    client: TestClient, settings: Settings
) -> None:
    token = make_pass(settings, "活动", 1)
    assert phone(client).post("/survey/public", data={**GOOD, "_pass": token}).status_code == 200
    assert phone(client).post("/survey/public", data=GOOD).status_code == 200
    staff = staff_per_role(session_factory(settings.db_url))
    login(client, staff["viewer"])
    r = client.get("/admin/surveys/public/download/indicators.xlsx")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content), read_only=True)
    summary = list(book["汇总"].iter_rows(values_only=True))
    book.close()
    assert summary[1][:2] == ("已完成问卷数", 1)
    start = next(i for i, row in enumerate(summary) if row[:3] == ("问卷来源", "份数", "正式统计"))
    kinds = {row[0]: (row[1], row[2]) for row in summary[start + 1 : start + 6]}
    assert kinds[verification.KIND_NAMES["web_verified"]] == (1, "计入")
    assert kinds[verification.KIND_NAMES["web_unverified"]] == (1, "不计入")
    assert kinds[verification.KIND_NAMES["import"]] == (0, "计入")
    html = text_of(client.get("/admin/surveys/public/report").text)
    assert (
        "问卷来源" in html
        and "网页问卷（未核验） 1 不计入" in html
        and "网页问卷（已核验：验证码或二维码） 1 计入" in html
    )
