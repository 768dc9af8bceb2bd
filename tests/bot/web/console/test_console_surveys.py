"""/admin/surveys (问卷与指标): the page with counts, indicators and breakdowns, downloads, and imports by form."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from bot.admin import audit
from bot.config import Settings
from bot.db import dispose_engines, session_factory, transaction
from bot.web.app import create_app
from tests.bot.web.admin_api.test_admin_surveys import BAD, CURRENT, GOOD, HEADER, csv_bytes
from tests.support.admin import Staff, console_login, staff_per_role

PAGE = "/admin/surveys"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c
    dispose_engines()


@pytest.fixture
def staff(settings: Settings, client: TestClient) -> dict[str, Staff]:
    return staff_per_role(session_factory(settings.db_url))


def import_form(client: TestClient, csrf: str, data: bytes, *, skip_bad: bool = False, name: str = "paper.csv") -> str:
    form = {"csrf_token": csrf, **({"skip_bad": "1"} if skip_bad else {})}
    r = client.post(f"{PAGE}/public/import", data=form, files={"file": (name, data, "text/csv")})
    return r.text


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_is_in_the_menu_and_empty_before_answers(client: TestClient, staff: dict[str, Staff]) -> None:
    console_login(client, staff["viewer"])
    overview = client.get("/admin").text
    assert 'href="/admin/surveys"' in overview and "问卷与指标" in overview
    r = client.get(PAGE)
    assert r.status_code == 200
    page = text_of(r.text)
    assert "无废城市建设公众调查" in page and "暂无回答" in page and "已完成问卷 0 份" in page
    assert "宣传教育培训普及率" in page and "建设参与度" in page and "建设成效满意度" in page
    assert "还没有可分组的回答" in page
    assert 'id="import-form"' not in r.text  # viewers may not import
    assert "chart.png" not in r.text  # no chart without answers


def test_office_imports_and_sees_indicators_and_breakdowns(client: TestClient, staff: dict[str, Staff]) -> None:
    csrf = console_login(client, staff["office"])
    r = client.post(f"{PAGE}/public/import", data={"csrf_token": csrf}, files={"file": ("p.csv", csv_bytes(GOOD))})
    assert r.status_code == 200
    assert "已导入 4 份问卷（共 4 行，跳过 0 行）" in r.text and "以下列不是题目，已忽略：序号" in r.text

    page = client.get(PAGE, params={"by": "township"}).text
    flat = text_of(page)
    assert f"批次 {CURRENT}：已完成 4 ，进行中 0" in flat
    assert re.search(
        r'data-key="publicity">\s*<div>宣传教育培训普及率</div>\s*<div class="rate miss">75.0%</div>', page
    )
    assert "宣传教育培训普及率" in page.split('id="warnings"')[1].split("</div>")[0]  # small-sample warnings
    assert "3/4" in flat and "未达标" in flat and "（不计入 1）" in flat  # satisfaction leaves out 不清楚
    assert 'style="left: 90.0%"' in page  # the target line on every bar
    assert f'src="/admin/surveys/public/chart.png?wave={CURRENT}"' in page
    table = page.split('id="breakdown"')[1].split("</table>")[0]
    assert "新密·青屏街道" in table and "新郑·和庄镇" in table and "50.0%" in table

    by_age = client.get(PAGE, params={"by": "age_band", "wave": "all"}).text
    assert "按年龄段分组" in by_age and "45–59岁" in by_age and "批次 全部" in text_of(by_age)
    assert client.get(PAGE, params={"by": "shoe_size"}).status_code == 422

    chart = client.get("/admin/surveys/public/chart.png")
    assert chart.status_code == 200 and chart.content[:4] == b"\x89PNG"


def test_a_bad_file_shows_every_bad_row_and_imports_nothing(client: TestClient, staff: dict[str, Staff]) -> None:
    csrf = console_login(client, staff["admin"])
    r = client.post(
        f"{PAGE}/public/import", data={"csrf_token": csrf}, files={"file": ("m.csv", csv_bytes(GOOD + BAD))}
    )
    assert r.status_code == 422
    assert "2 行有问题，未导入任何数据" in r.text and "（未导入任何数据）" in r.text
    rows = r.text.split('id="bad-rows"')[1].split("</table>")[0]
    assert re.findall(r'<td class="num">(\d+)</td>', rows) == ["6", "7"] and "publicity" in rows
    assert "暂无回答" in r.text

    r = client.post(
        f"{PAGE}/public/import",
        data={"csrf_token": csrf, "skip_bad": "1"},
        files={"file": ("m.csv", csv_bytes(GOOD + BAD))},
    )
    assert r.status_code == 200 and "已导入 4 份问卷（共 6 行，跳过 2 行）" in r.text

    r = client.post(f"{PAGE}/public/import", data={"csrf_token": csrf}, files={"file": ("m.pdf", b"%PDF")})
    assert r.status_code == 422 and "只支持 .csv / .xlsx / .xlsm 文件" in r.text and "<html" in r.text


def test_import_needs_csrf_and_the_office_role(client: TestClient, staff: dict[str, Staff]) -> None:
    csrf = console_login(client, staff["office"])
    r = client.post(f"{PAGE}/public/import", files={"file": ("p.csv", csv_bytes(GOOD))})
    assert r.status_code == 403 and "CSRF" in r.text
    client.cookies.clear()
    csrf = console_login(client, staff["staff"])
    assert 'id="import-form"' not in client.get(PAGE).text
    r = client.post(f"{PAGE}/public/import", data={"csrf_token": csrf}, files={"file": ("p.csv", csv_bytes(GOOD))})
    assert r.status_code == 403 and "无权修改问卷与指标" in r.text


def test_downloads_from_the_page_are_audited_and_read_back(client: TestClient, staff: dict[str, Staff]) -> None:
    csrf = console_login(client, staff["office"])
    import_form(client, csrf, csv_bytes(GOOD))
    page = client.get(PAGE, params={"by": "cell_type"}).text
    links = dict(re.findall(r'<a class="button" href="([^"]+)" data-name="([^"]+)"', page))
    by_name = {name: href.replace("&amp;", "&") for href, name in links.items()}
    assert set(by_name) == {"indicators.xlsx", "indicators.csv", "indicators.png", "indicators.html", "responses.csv"}

    r = client.get(by_name["indicators.xlsx"])
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    book = load_workbook(io.BytesIO(r.content), read_only=True)
    assert "按cell_type" in book.sheetnames and "按township" in book.sheetnames
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[1][:2] == ("已完成问卷数", 4)
    book.close()
    assert client.get(by_name["indicators.png"]).content[:4] == b"\x89PNG"
    assert "宣传教育培训普及率" in client.get(by_name["indicators.html"]).text
    assert client.get(by_name["indicators.csv"]).content.startswith(b"\xef\xbb\xbfdimension")
    assert client.get(f"{PAGE}/public/download/secrets.txt").status_code == 404

    with transaction(client.app.state.factory) as session:  # type: ignore[attr-defined]
        entries = [(e.actor, e.action, e.detail.get("format")) for e in audit.entries(session)]
    assert ("office-user", "survey.import", None) in entries
    exports = sorted(fmt for actor, action, fmt in entries if action == "survey.export" and actor == "office-user")
    assert exports == ["csv", "html", "png", "xlsx"]


def test_pages_need_a_login(client: TestClient) -> None:
    for path in (PAGE, f"{PAGE}/public/chart.png", f"{PAGE}/public/download/indicators.xlsx"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/admin/login?next=")


def test_waves_side_by_side_and_the_printable_report_needs_a_login(
    client: TestClient, staff: dict[str, Staff], settings: Settings
) -> None:
    old = client.get("/report/public", follow_redirects=False)
    assert old.status_code == 303 and old.headers["location"] == "/admin/surveys/public/report"
    anonymous = client.get("/admin/surveys/public/report", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/admin/login")

    csrf = console_login(client, staff["office"])
    earlier = csv_bytes([[*row, "2024"] for row in GOOD[:2]], [*HEADER, "wave"])
    for data in (csv_bytes(GOOD), earlier):
        r = client.post(f"{PAGE}/public/import", data={"csrf_token": csrf}, files={"file": ("p.csv", data)})
        assert "已导入" in r.text, r.text
    page = client.get(PAGE).text
    trend = page.split('id="trend"')[1].split("</table>")[0]
    assert trend.index("2024") < trend.index(CURRENT) and f"{CURRENT}（当前）" in trend

    printable = client.get("/report/public")  # followed to the console page
    assert printable.status_code == 200 and printable.url.path == "/admin/surveys/public/report"
    assert "各批次趋势" in printable.text and "data:image/png;base64," in printable.text
    with transaction(session_factory(settings.db_url)) as session:
        assert [e.actor for e in audit.entries(session, action="survey.report")] == [staff["office"].name]
