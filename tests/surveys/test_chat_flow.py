"""The standard survey through the chat core (Dialogue.handle), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings, SurveySettings
from bot.db import transaction
from bot.dialogue import Dialogue, IncomingMessage
from bot.models import ChatLog
from surveys.chat import current_surveys
from surveys.flow import answers_of
from surveys.models import COMPLETED, EXPIRED, IN_PROGRESS, STOPPED, SurveyResponse
from tests.support.dialog import T0, say

SKIP_SURVEY = """
id: skiptest
version: 2
wave: w1
title: 测试问卷
anonymous: {anonymous}
questions:
  - {{id: sorts, type: single, text: 您家分类吗？, options: [{{code: y, label: 分类}}, {{code: n, label: 不分类}}]}}
  - {{id: why_not, type: text, text: 为什么不分类？, show_if: {{question: sorts, in: [n]}}}}
  - {{id: bins, type: number, text: 家里有几个垃圾桶？, min: 0, max: 20, integer: true}}
  - {{id: rating, type: scale5, text: 给小区分类设施打分}}
indicators:
  - {{key: sorting, name: 分类率, question: sorts, numerator: [y]}}
"""


@pytest.fixture
def dialogue(factory: sessionmaker[Session], settings: Settings) -> Dialogue:
    return Dialogue(factory, settings)


def responses(factory: sessionmaker[Session]) -> list[tuple[SurveyResponse, dict[str, list[str]]]]:
    with transaction(factory) as session:
        rows = session.execute(select(SurveyResponse).order_by(SurveyResponse.id)).scalars().all()
        return [(r, answers_of(session, r)) for r in rows]


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_the_public_survey_is_taken_by_several_residents_with_close_wording(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    scripts = {
        "alice": ["问卷", "2", "1，3", "比较满意了", "和庄镇", "30–44岁", "居民", "多设几个回收点"],
        "bob": ["满意度", "没听说过", "都没有", "还行吧", "新密·青屏街道", "5", "学生", "跳过"],
    }
    # interleave the two conversations message by message
    for step in range(len(scripts["alice"])):
        for user, said in scripts.items():
            reply = say(dialogue, said[step], user=user, at=at(step))
            if step == 0:
                assert "第1/7题" in reply.text and [c.label for c in reply.choices][:1] == ["参加过培训或活动"]
    assert "感谢" in reply.text
    found = responses(factory)
    assert len(found) == 2
    (alice, a_answers), (bob, b_answers) = found
    assert alice.status == bob.status == COMPLETED
    assert a_answers == {
        "publicity": ["aware"],
        "participation": ["sorting", "reuse"],
        "satisfaction": ["fairly_satisfied"],
        "township": ["xz_hezhuang"],
        "age_band": ["a30_44"],
        "identity": ["resident"],
        "comment": ["多设几个回收点"],
    }
    assert b_answers["publicity"] == ["none"] and b_answers["participation"] == ["none"]
    assert b_answers["satisfaction"] == ["neutral"] and "comment" not in b_answers
    assert (bob.township, bob.age_band, bob.identity) == ("xm_qingping", "a60p", "student")
    assert alice.resident_id is not None and alice.resident_id != bob.resident_id


def test_unclear_answers_are_asked_again_with_the_options(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    say(dialogue, "/survey")
    again = say(dialogue, "电池扔哪个桶", at=at(1))
    assert "没太看懂" in again.text and "第1/7题" in again.text
    assert [c.key for c in again.choices] == ["1", "2", "3"]
    assert "第2/7题" in say(dialogue, "1", at=at(2)).text
    mixed = say(dialogue, "1 6", at=at(3))  # 都没有 together with an action
    assert "不能和其他选项同时选" in mixed.text and "第2/7题" in mixed.text
    (response, answers), *_ = responses(factory)
    assert answers == {"publicity": ["trained"]} and response.status == IN_PROGRESS
    assert response.reasks == 1
    assert "第3/7题" in say(dialogue, "1 6".replace(" 6", ""), at=at(4)).text


def test_negated_satisfaction_is_asked_again(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    for i, said in enumerate(["问卷", "1", "1"]):
        say(dialogue, said, at=at(i))
    reply = say(dialogue, "不是很满意", at=at(5))
    assert "没太看懂" in reply.text and "第3/7题" in reply.text
    assert "satisfaction" not in responses(factory)[0][1]


def test_quitting_keeps_the_partial_response_and_the_next_keyword_resumes_it(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    for i, said in enumerate(["调查", "1", "光盘"]):
        say(dialogue, said, at=at(i))
    assert "已退出" in say(dialogue, "退出", at=at(3)).text
    (response, answers), *_ = responses(factory)
    assert response.status == STOPPED
    assert answers == {"publicity": ["trained"], "participation": ["clean_plate"]}
    assert say(dialogue, "纸巾扔哪", at=at(4)).answer.intent != "command"  # type: ignore[union-attr]
    resumed = say(dialogue, "问卷", at=at(5))
    assert "接着" in resumed.text and "第3/7题" in resumed.text
    assert responses(factory)[0][0].status == IN_PROGRESS


def test_the_same_message_handled_twice_is_not_answered_twice(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    say(dialogue, "问卷")
    first = IncomingMessage("web", "u1", "1", at(1))
    replies = [dialogue.handle(first)[0].text, dialogue.handle(first)[0].text]
    assert replies[0] == replies[1] and "第2/7题" in replies[0]
    answers = responses(factory)[0][1]
    assert answers == {"publicity": ["trained"]}  # not also taken as the answer to question 2
    assert "第3/7题" in say(dialogue, "1", at=at(2)).text


def test_one_response_per_resident_per_wave(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    for i, said in enumerate(["问卷", "1", "1", "1", "1", "1", "1", "好"]):
        say(dialogue, said, at=at(i))
    assert "已经填过" in say(dialogue, "问卷", at=at(10)).text
    assert len(responses(factory)) == 1


def test_an_idle_survey_expires_keeping_its_answers(factory: sessionmaker[Session], settings: Settings) -> None:
    short = settings.model_copy(update={"surveys": SurveySettings(expire_hours=1)})
    dialogue = Dialogue(factory, short)
    say(dialogue, "问卷")
    say(dialogue, "2", at=at(1))
    late = say(dialogue, "塑料瓶扔哪", at=at(1 + 61))
    assert late.answer is not None and late.answer.intent == "sorting"  # the knowledge answers again
    (response, answers), *_ = responses(factory)
    assert response.status == EXPIRED and answers == {"publicity": ["aware"]}


def test_a_menu_click_starts_the_survey(dialogue: Dialogue) -> None:
    click = IncomingMessage("wechat", "u9", "", T0, kind="event", event="click", data={"key": "survey"})
    reply = dialogue.handle(click)[0]
    assert "第1/7题" in reply.text


@pytest.mark.parametrize("anonymous", [False, True])
def test_skip_logic_validation_and_anonymous_mode(
    factory: sessionmaker[Session], settings: Settings, tmp_path: Path, anonymous: bool
) -> None:
    (tmp_path / "skip.yaml").write_text(SKIP_SURVEY.format(anonymous=str(anonymous).lower()), encoding="utf-8")
    dialogue = Dialogue(factory, settings.model_copy(update={"surveys": SurveySettings(extra_dir=tmp_path)}))
    assert "分类吗" in say(dialogue, "/survey skiptest", user="a").text
    assert "几个垃圾桶" in say(dialogue, "分类", user="a", at=at(1)).text  # why_not skipped
    assert "不能大于 20" in say(dialogue, "30", user="a", at=at(2)).text
    assert "打分" in say(dialogue, "3个", user="a", at=at(3)).text
    assert "感谢" in say(dialogue, "4", user="a", at=at(4)).text
    say(dialogue, "/survey skiptest", user="b")
    assert "为什么不分类" in say(dialogue, "2", user="b", at=at(1)).text  # shown only after 不分类
    found = {tuple(sorted(a)): r for r, a in responses(factory)}
    a_resp = found[("bins", "rating", "sorts")]
    assert answers_of_plain(factory, a_resp.id) == {"sorts": ["y"], "bins": ["3"], "rating": ["4"]}
    for response in found.values():
        assert (response.resident_id is None) is anonymous
        assert response.respondent_key is not None and len(response.respondent_key) == 64
    # the respondent is still recognised in anonymous mode: no second response
    assert "已经填过" in say(dialogue, "/survey skiptest", user="a", at=at(9)).text


def answers_of_plain(factory: sessionmaker[Session], response_id: int) -> dict[str, list[str]]:
    with transaction(factory) as session:
        response = session.get(SurveyResponse, response_id)
        assert response is not None
        return answers_of(session, response)


def test_survey_turns_are_logged_like_other_chat(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    say(dialogue, "问卷")
    with transaction(factory) as session:
        assert session.scalar(select(ChatLog.intent).order_by(ChatLog.id.desc())) == "command"


def test_another_worker_continues_the_survey(factory: sessionmaker[Session], settings: Settings) -> None:
    say(Dialogue(factory, settings), "问卷")
    say(Dialogue(factory, settings), "1", at=at(1))
    reply = say(Dialogue(factory, settings), "光盘", at=at(2))
    assert "第3/7题" in reply.text
    assert responses(factory)[0][1] == {"publicity": ["trained"], "participation": ["clean_plate"]}


def test_a_broken_questionnaire_file_does_not_break_the_chat(
    factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "broken.yaml").write_text("id: x\nquestions: [{id: a, type: rank, text: ?}]\n", encoding="utf-8")
    dialogue = Dialogue(factory, settings.model_copy(update={"surveys": SurveySettings(extra_dir=tmp_path)}))
    reply = say(dialogue, "塑料瓶扔哪")
    assert reply.answer is not None and reply.answer.intent == "sorting"


def test_one_message_reads_the_definitions_once_and_the_next_message_sees_a_new_file(
    settings: Settings, tmp_path: Path
) -> None:
    configured = settings.model_copy(update={"surveys": SurveySettings(extra_dir=tmp_path)})
    surveys, salt = current_surveys(configured, T0)
    assert "skiptest" not in surveys and salt
    (tmp_path / "skip.yaml").write_text(SKIP_SURVEY.format(anonymous="false"), encoding="utf-8")
    again, _ = current_surveys(configured, T0)
    assert again is surveys  # the same message (the same `now`) asks again: no second read
    later, later_salt = current_surveys(configured, T0 + dt.timedelta(seconds=1))
    assert "skiptest" in later and later_salt == salt


def test_messages_of_one_second_share_the_definitions_and_a_new_year_is_a_new_wave_at_once(
    settings: Settings, tmp_path: Path
) -> None:
    configured = settings.model_copy(update={"surveys": SurveySettings(extra_dir=tmp_path)})
    midnight = dt.datetime(2026, 12, 31, 16, 0, 0, tzinfo=dt.UTC)  # 2027-01-01 00:00 in Beijing
    first, _ = current_surveys(configured, midnight - dt.timedelta(seconds=1))
    (tmp_path / "skip.yaml").write_text(SKIP_SURVEY.format(anonymous="false"), encoding="utf-8")
    same_second, _ = current_surveys(configured, midnight - dt.timedelta(microseconds=1))
    assert same_second is first and first["public"].wave == "2026"  # no stat, no read within the second
    new_year, _ = current_surveys(configured, midnight)
    assert new_year["public"].wave == "2027" and "skiptest" in new_year  # the next second reads again
