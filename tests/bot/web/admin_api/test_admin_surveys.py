"""/api/admin/surveys: counts, indicators and breakdowns, downloads read back, imports with their row reports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from bot.admin import audit
from bot.config import Settings
from bot.db import dispose_engines, session_factory, transaction
from bot.web.app import create_app
from surveys.definition import wave_for
from tests.support.admin import Staff, staff_per_role

HEADER = ["序号", "publicity", "participation", "satisfaction", "township", "age_band", "identity", "comment"]
GOOD = [
    ["1", "参加过培训或活动", "垃圾分类投放┋光盘行动", "满意", "新郑·和庄镇", "30–44岁", "居民", ""],
    ["2", "2", "1", "比较满意", "xz_xinyan", "a18_29", "学生", "很好"],
    ["3", "没有接触过", "都没有", "不清楚", "新密·青屏街道", "45–59岁", "其他", ""],
    ["4", "看到或听到过宣传", "减塑", "一般", "新密·青屏街道", "45–59岁", "居民", ""],
]
BAD = [
    ["5", "也许", "1", "满意", "新郑·和庄镇", "1", "居民", ""],
    ["6", "1", "1", "", "新郑·和庄镇", "1", "居民", ""],
]
URL = "/api/admin/surveys/public"
CURRENT = wave_for("year", dt.datetime.now(dt.UTC))  # the public survey's wave follows the calendar


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode("utf-8")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c
    dispose_engines()


@pytest.fixture
def staff(settings: Settings, client: TestClient) -> dict[str, Staff]:
    return staff_per_role(session_factory(settings.db_url))


@pytest.fixture
def imported(client: TestClient, staff: dict[str, Staff]) -> None:
    r = client.post(
        f"{URL}/import", files={"file": ("paper.csv", csv_bytes(GOOD), "text/csv")}, headers=staff["office"].headers
    )
    assert r.status_code == 200, r.text


def audit_actions(client: TestClient) -> list[tuple[str, str, dict[str, object]]]:
    with transaction(client.app.state.factory) as session:  # type: ignore[attr-defined]
        return [(e.actor, e.action, e.detail) for e in audit.entries(session)]


def test_office_imports_a_file_and_gets_the_row_report(client: TestClient, staff: dict[str, Staff]) -> None:
    r = client.post(
        f"{URL}/import", files={"file": ("paper.csv", csv_bytes(GOOD), "text/csv")}, headers=staff["office"].headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rows"] == 4 and body["imported"] == 4 and body["committed"] and body["bad"] == []
    assert body["ignored_columns"] == ["序号"] and "已导入 4 份" in body["summary"]
    (actor, action, detail), *_ = audit_actions(client)
    assert (actor, action) == ("office-user", "survey.import")
    assert detail["file"] == "paper.csv" and detail["imported"] == 4 and detail["committed"] is True


def test_a_file_with_bad_rows_is_refused_with_every_bad_row(client: TestClient, staff: dict[str, Staff]) -> None:
    r = client.post(
        f"{URL}/import",
        files={"file": ("mixed.csv", csv_bytes(GOOD + BAD), "text/csv")},
        headers=staff["office"].headers,
    )
    assert r.status_code == 422
    body = r.json()
    assert "2 行有问题，未导入任何数据" in body["detail"] and body["imported"] == 0 and not body["committed"]
    assert [b["line"] for b in body["bad"]] == [6, 7]
    assert "publicity" in body["bad"][0]["reason"] and "satisfaction" in body["bad"][1]["reason"]
    assert client.get("/api/admin/surveys", headers=staff["viewer"].headers).json()[0]["total"] == 0
    assert audit_actions(client)[0][2]["committed"] is False  # the refused attempt is in the log too

    r = client.post(
        f"{URL}/import",
        params={"skip_bad": "true"},
        files={"file": ("mixed.csv", csv_bytes(GOOD + BAD), "text/csv")},
        headers=staff["admin"].headers,
    )
    assert r.status_code == 200 and r.json()["imported"] == 4 and len(r.json()["bad"]) == 2


def test_an_import_with_a_mapping_file(client: TestClient, staff: dict[str, Staff]) -> None:
    header = ["1、您是否接触过宣传", "2、参与过哪些", "3、满意度", "乡镇", "年龄", "身份"]
    rows = [["看过宣传", "垃圾分类投放", "非常满意", "新郑·和庄镇", "30–44岁", "居民"]]
    mapping = {
        "columns": {
            "1、": "publicity",
            "2、": "participation",
            "3、": "satisfaction",
            "乡镇": "township",
            "年龄": "age_band",
            "身份": "identity",
        },
        "values": {"publicity": {"看过宣传": "aware"}},
    }
    r = client.post(
        f"{URL}/import",
        files={
            "file": ("wjx.csv", csv_bytes(rows, header), "text/csv"),
            "mapping": ("wjx.json", json.dumps(mapping, ensure_ascii=False).encode(), "application/json"),
        },
        headers=staff["office"].headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 1
    figures = client.get(f"{URL}/indicators", headers=staff["viewer"].headers).json()
    assert figures["n"] == 1 and figures["indicators"][0]["numerator"] == 1


@pytest.mark.parametrize(
    ("name", "data", "map_file", "reason"),
    [
        ("answers.txt", b"publicity\n1\n", None, "只支持"),
        ("answers.csv", b"", None, "空的"),
        ("answers.csv", b"foo,bar\n1,2\n", None, "表头里没有任何题目编号"),
        ("answers.csv", b"publicity\n1\n", ("m.yaml", b"columns: {x: nothing}\n"), "问卷里没有的题目"),
        ("answers.csv", b"publicity\n1\n", ("m.txt", b"columns: {}\n"), "映射文件只支持"),
        ("answers.xlsx", b"not a workbook", None, "不是有效的 xlsx"),
    ],
)
def test_unusable_files_are_refused_with_a_reason(
    client: TestClient,
    staff: dict[str, Staff],
    name: str,
    data: bytes,
    map_file: tuple[str, bytes] | None,
    reason: str,
) -> None:
    files = {"file": (name, data, "application/octet-stream")}
    if map_file is not None:
        files["mapping"] = (*map_file, "text/plain")
    r = client.post(f"{URL}/import", files=files, headers=staff["office"].headers)
    assert r.status_code == 422 and reason in r.json()["detail"], r.text


def test_import_needs_office_or_admin(client: TestClient, staff: dict[str, Staff]) -> None:
    for role in ("staff", "viewer"):
        r = client.post(
            f"{URL}/import", files={"file": ("a.csv", csv_bytes(GOOD), "text/csv")}, headers=staff[role].headers
        )
        assert r.status_code == 403 and "无权修改问卷与指标" in r.json()["detail"]
    assert (
        client.post(
            "/api/admin/surveys/nope/import", files={"file": ("a.csv", b"x")}, headers=staff["office"].headers
        ).status_code
        == 404
    )


def test_list_counts_responses_per_wave_and_status(client: TestClient, staff: dict[str, Staff], imported: None) -> None:
    rows = client.post(
        f"{URL}/import",
        files={"file": ("w.csv", csv_bytes([[*GOOD[0], "2024"]], [*HEADER, "wave"]), "text/csv")},
        headers=staff["office"].headers,
    )
    assert rows.status_code == 200, rows.text
    listed = client.get("/api/admin/surveys", headers=staff["staff"].headers).json()
    public = next(s for s in listed if s["id"] == "public")
    assert public["wave"] == CURRENT and public["total"] == 5 and public["completed"] == 5
    assert [(w["wave"], w["counts"]["completed"], w["counts"]["in_progress"]) for w in public["waves"]] == [
        (CURRENT, 4, 0),
        ("2024", 1, 0),
    ]
    assert [i["key"] for i in public["indicators"]] == ["publicity", "participation", "satisfaction"]


def test_indicators_overall_and_by_township(client: TestClient, staff: dict[str, Staff], imported: None) -> None:
    r = client.get(f"{URL}/indicators", params={"by": "township"}, headers=staff["viewer"].headers)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["survey"] == "public" and data["wave"] == CURRENT and data["n"] == 4
    figures = {i["key"]: i for i in data["indicators"]}
    assert (figures["publicity"]["numerator"], figures["publicity"]["denominator"]) == (3, 4)
    assert figures["publicity"]["rate"] == 0.75 and figures["publicity"]["met"] is False
    assert figures["publicity"]["ci_low"] < 0.75 < figures["publicity"]["ci_high"]
    assert (figures["satisfaction"]["numerator"], figures["satisfaction"]["denominator"]) == (2, 3)
    assert figures["satisfaction"]["excluded"] == 1 and "method" in figures["satisfaction"]
    by_town = data["breakdown"]["township"]
    assert by_town["新密·青屏街道"][0]["denominator"] == 2 and by_town["新密·青屏街道"][0]["numerator"] == 1
    assert by_town["新郑·和庄镇"][0]["rate"] == 1.0
    assert "reach" in data

    assert client.get(f"{URL}/indicators", params={"wave": "1999"}, headers=staff["office"].headers).json()["n"] == 0
    assert (
        client.get(f"{URL}/indicators", params={"wave": "all"}, headers=staff["office"].headers).json()["wave"] is None
    )
    both = client.get(
        f"{URL}/indicators",
        params=[("by", "age_band"), ("by", "cell_type"), ("by", "channel")],
        headers=staff["admin"].headers,
    ).json()
    assert list(both["breakdown"]) == ["age_band", "cell_type", "channel"]


def test_indicator_validation_errors(client: TestClient, staff: dict[str, Staff]) -> None:
    office = staff["office"].headers
    r = client.get(f"{URL}/indicators", params={"by": "hair_colour"}, headers=office)
    assert r.status_code == 422 and "不能按“hair_colour”分组" in r.json()["detail"] and "township" in r.json()["detail"]
    r = client.get(f"{URL}/indicators", params={"weighted": "true"}, headers=office)
    assert r.status_code == 422 and "人口权重文件" in r.json()["detail"]
    r = client.get("/api/admin/surveys/nope/indicators", headers=office)
    assert r.status_code == 404 and "没有问卷“nope”" in r.json()["detail"]
    r = client.get(f"{URL}/indicators", params={"wave": "x" * 40}, headers=office)
    assert r.status_code == 422


def test_the_workbook_download_reads_back(client: TestClient, staff: dict[str, Staff], imported: None) -> None:
    r = client.get(f"{URL}/indicators.xlsx", headers=staff["viewer"].headers)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert f'filename="public-{CURRENT}-indicators.xlsx"' in r.headers["content-disposition"]
    book = load_workbook(io.BytesIO(r.content), read_only=True)
    assert book.sheetnames == ["汇总", "按township", "按age_band", "按identity", "回答"]
    summary = [row for row in book["汇总"].iter_rows(values_only=True)]
    assert summary[1][:2] == ("已完成问卷数", 4)
    by_name = {row[0]: row for row in summary[3:6]}
    assert by_name["宣传教育培训普及率"][1] == 0.75 and by_name["宣传教育培训普及率"][4:6] == (3, 4)
    responses = list(book["回答"].iter_rows(values_only=True))
    assert len(responses) == 5 and "publicity" in responses[0]
    book.close()
    (actor, action, detail), *_ = audit_actions(client)
    assert (actor, action, detail["format"], detail["wave"]) == ("viewer-user", "survey.export", "xlsx", CURRENT)


def test_csv_png_html_and_responses_downloads(client: TestClient, staff: dict[str, Staff], imported: None) -> None:
    office = staff["office"].headers
    r = client.get(f"{URL}/indicators.csv", params={"by": "identity"}, headers=office)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    overall = {row["key"]: row for row in rows if row["dimension"] == "全部"}
    assert overall["participation"]["numerator"] == "3" and overall["participation"]["denominator"] == "4"
    assert {row["value"] for row in rows if row["dimension"] == "identity"} == {"居民", "学生", "其他"}

    r = client.get(f"{URL}/indicators.png", headers=office)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content[:8] == b"\x89PNG\r\n\x1a\n"

    r = client.get(f"{URL}/indicators.html", params={"wave": "all"}, headers=office)
    assert r.status_code == 200 and "宣传教育培训普及率" in r.text and "data:image/png;base64," in r.text
    assert "public-all-indicators.html" in r.headers["content-disposition"]

    r = client.get(f"{URL}/responses.csv", headers=office)
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(lines) == 5 and "很好" in {cell for line in lines for cell in line}

    formats = [d["format"] for actor, action, d in audit_actions(client) if action == "survey.export"]
    assert sorted(formats) == ["csv", "html", "png", "responses.csv"]


def test_downloads_need_a_token_and_validate(client: TestClient, staff: dict[str, Staff]) -> None:
    assert client.get(f"{URL}/indicators.xlsx").status_code == 401
    r = client.get(f"{URL}/indicators.csv", params={"by": "nope"}, headers=staff["viewer"].headers)
    assert r.status_code == 422
    r = client.get(f"{URL}/indicators.xlsx", headers=staff["viewer"].headers)  # no answers yet: still a workbook
    assert r.status_code == 200 and load_workbook(io.BytesIO(r.content)).sheetnames[0] == "汇总"


def test_survey_routes_are_documented(client: TestClient) -> None:
    local = TestClient(client.app, client=("127.0.0.1", 50000))  # the API docs answer this machine only by default
    paths = local.get("/openapi.json").json()["paths"]
    for path in ("/api/admin/surveys", f"{URL}/indicators", f"{URL}/indicators.xlsx", f"{URL}/import"):
        assert path.replace("public", "{survey_id}") in paths


FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)"]
WEB_ANSWERS = {
    "publicity": "aware",
    "participation": ["sorting"],
    "satisfaction": "satisfied",
    "township": "xz_hezhuang",
    "age_band": "a45_59",
    "identity": "employee",
}


def test_formulas_typed_in_the_web_form_reach_every_download_as_text(
    client: TestClient, staff: dict[str, Staff]
) -> None:
    for comment in [*FORMULAS, "#N/A", "响铃\x07"]:  # one phone each: the form takes one response per browser
        phone = TestClient(client.app)
        phone.get("/survey/public")
        assert phone.post("/survey/public", data={**WEB_ANSWERS, "comment": comment}).status_code == 200
    office = staff["office"].headers
    escaped = {"'" + f for f in FORMULAS} | {"#N/A", "响铃\x07"}

    r = client.get(f"{URL}/responses.csv", params={"wave": "all"}, headers=office)
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    assert {row["comment"] for row in rows} == escaped

    r = client.get(f"{URL}/indicators.xlsx", params={"wave": "all"}, headers=office)
    assert r.status_code == 200  # a control character once made openpyxl refuse the whole workbook (a 500)
    book = load_workbook(io.BytesIO(r.content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type in ("f", "e")] == []  # no formula, no error value
    sheet = book["回答"]
    column = [c.value for c in sheet[1]].index("comment")
    comments = [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert set(comments) == escaped - {"响铃\x07"} | {"响铃"}
