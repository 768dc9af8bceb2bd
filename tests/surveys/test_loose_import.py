"""Real exports import without a mapping file when labels match unambiguously; bad cells are named precisely."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import transaction
from surveys.definition import load_surveys
from surveys.importer import import_file
from surveys.loose import is_empty_marker, loose_option, match_headers
from surveys.models import SurveyResponse

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
PUBLIC = load_surveys()["public"]
QUESTIONS = {q.id: q for q in PUBLIC.questions}
WJX_HEADER = [
    "序号",
    "提交答卷时间",
    "所用时间",
    "来源",
    "1、您接触过“无废城市”的宣传、教育或培训吗？",
    "2、您参与过下面哪些行动？【多选题】",
    "3、您对本地“无废城市”建设的成效满意吗？",
    "4、您住在哪个乡镇或街道？",
    "5、您的年龄段是？",
    "6、您的身份是？",
    "7、您对“无废城市”建设还有什么意见或建议？",
]


def wjx_xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(WJX_HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_empty_markers_and_loose_labels() -> None:
    assert is_empty_marker("(空)") and is_empty_marker("（跳过）") and is_empty_marker("  ")
    assert not is_empty_marker("空调")
    township, age = QUESTIONS["township"], QUESTIONS["age_band"]
    assert loose_option(township, "新建路街道")[0].code == "xz_xinjianlu"  # type: ignore[union-attr]
    assert loose_option(township, "新郑市新建路街道")[0].code == "xz_xinjianlu"  # type: ignore[union-attr]
    assert loose_option(age, "18-29")[0].code == "a18_29"  # type: ignore[union-attr]
    assert loose_option(age, "１８～２９岁")[0].code == "a18_29"  # type: ignore[union-attr]
    assert loose_option(age, "60以上")[0].code == "a60p"  # type: ignore[union-attr]
    option, candidates = loose_option(township, "新华路街道")  # 新郑 and 新密 both have one
    assert option is None and {o.code for o in candidates} == {"xz_xinhualu", "xm_xinhualu"}
    assert loose_option(township, "新密·新华路街道")[0].code == "xm_xinhualu"  # type: ignore[union-attr]


def test_wjx_headers_are_matched_by_their_wording() -> None:
    found = match_headers(PUBLIC, WJX_HEADER)
    assert found == {
        WJX_HEADER[4]: "publicity",
        WJX_HEADER[5]: "participation",
        WJX_HEADER[6]: "satisfaction",
        WJX_HEADER[7]: "township",
        WJX_HEADER[8]: "age_band",
        WJX_HEADER[9]: "identity",
        WJX_HEADER[10]: "comment",
    }


def test_a_wjx_xlsx_imports_without_a_map_and_lists_what_was_matched_loosely(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [
        ["1", "2026/11/2 10:00:01", "45秒", "微信", "看到或听到过宣传", "垃圾分类投放┋光盘行动", "满意", "新建路街道",
         "18-29", "居民", "(空)"],
        ["2", "2026/11/2 10:03:12", "60秒", "手机提交", "参加过培训或活动", "减塑", "比较满意", "和庄镇", "60以上",
         "学生", "(跳过)"],
        ["3", "2026/11/2 10:05:40", "38秒", "链接", "没有接触过", "都没有", "一般", "新密市青屏街道", "３０-４４",
         "其他", "垃圾桶再多一些"],
    ]  # fmt: skip
    path = wjx_xlsx(tmp_path / "问卷星导出.xlsx", rows)
    with transaction(factory) as session:
        result = import_file(session, PUBLIC, path, now=NOW)
    assert result.bad == [] and result.imported == 3 and result.committed
    joined = "\n".join(result.loose)
    assert "“新建路街道”按“新郑·新建路街道”导入（1 行）" in joined
    assert "“18-29”按“18–29岁”导入" in joined and "“60以上”按“60岁及以上”导入" in joined
    assert "按题目文字对应到题目 township" in joined
    with transaction(factory) as session:
        stored = session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)).all()
        answers = [_by_question(r) for r in stored]
    assert answers[0]["township"] == ["xz_xinjianlu"] and answers[0]["age_band"] == ["a18_29"]
    assert "comment" not in answers[0] and "comment" not in answers[1]  # (空) and (跳过) are empty, not comments
    assert answers[2]["township"] == ["xm_qingping"] and answers[2]["comment"] == ["垃圾桶再多一些"]


def test_an_error_names_the_row_the_header_as_written_the_value_and_the_options(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [
        ["1", "2026/11/2 10:00:01", "45秒", "微信", "看到或听到过宣传", "垃圾分类投放", "还凑合吧", "新华路街道",
         "18-29", "居民", ""],
        ["2", "2026/11/2 10:00:02", "45秒", "微信", "看到或听到过宣传", "垃圾分类投放", "满意", "和庄镇", "(空)",
         "居民", ""],
    ]  # fmt: skip
    path = wjx_xlsx(tmp_path / "bad.xlsx", rows)
    with transaction(factory) as session:
        result = import_file(session, PUBLIC, path, now=NOW)
    assert not result.committed and result.imported == 0
    reasons = dict(result.bad)
    assert set(reasons) == {2, 3}
    assert "列“3、您对本地“无废城市”建设的成效满意吗？”的值“还凑合吧”不是这一题的选项" in reasons[2]
    assert "满意、比较满意、一般、不太满意、不满意、不清楚" in reasons[2]
    assert "“新华路街道”" in reasons[2] and "新郑·新华路街道、新密·新华路街道（有多个可能，请写完整）" in reasons[2]
    assert reasons[3] == "列“5、您的年龄段是？”为空，这一题需要回答"
    assert "回复" not in reasons[2] + reasons[3]  # not the chat's wording


def _by_question(response: SurveyResponse) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for answer in response.answers:
        out.setdefault(answer.question_id, []).append(answer.value)
    return out
