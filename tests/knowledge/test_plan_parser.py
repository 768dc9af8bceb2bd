"""The plan parser on the seeds and on layouts of other cities."""

from __future__ import annotations

from pathlib import Path

from knowledge.plan_parser import (
    ParsedPlan,
    canonical,
    extract_targets,
    paragraphs,
    parse_plan,
    parse_units,
    render_target,
)

PLANS = Path(__file__).resolve().parents[2] / "knowledge" / "data" / "plans"
FIXTURES = Path(__file__).with_name("fixtures")


def _plan(name: str, folder: Path = PLANS) -> ParsedPlan:
    return parse_plan((folder / name).read_text(encoding="utf-8"))


def _targets(plan: ParsedPlan) -> dict[str, tuple[str, float, str, int | None]]:
    return {t.indicator: (t.comparator, t.value, t.unit, t.year) for t in plan.targets}


def _task(plan: ParsedPlan, label: str):  # type: ignore[no-untyped-def]
    return next(t for t in plan.tasks if t.label == label)


def test_xinzheng_metadata() -> None:
    plan = _plan("xinzheng-2023.txt")
    assert plan.title == "新郑市“十四五”时期“无废城市”建设实施方案"
    assert plan.doc_no == "新政〔2023〕6号"
    assert plan.issuer == "新郑市人民政府"
    assert str(plan.date) == "2023-08-02"
    assert plan.city == "新郑市"


def test_xinzheng_has_all_eight_task_groups_with_every_numbered_task() -> None:
    plan = _plan("xinzheng-2023.txt")
    groups = [s for s in plan.sections if s.label.startswith("四（") and s.level == 2]
    assert [g.label for g in groups] == [f"四（{n}）" for n in "一二三四五六七八"]
    counts = {g.label: sum(1 for t in plan.tasks if t.label.startswith(g.label)) for g in groups}
    assert list(counts.values()) == [9, 2, 3, 9, 3, 4, 7, 3]
    assert len(plan.tasks) == 40
    assert all(t.lead or t.responsible for t in plan.tasks)
    assert plan.unparsed == []


def test_xinzheng_units_of_specific_tasks() -> None:
    plan = _plan("xinzheng-2023.txt")
    straw = _task(plan, "四（六）1")
    assert straw.title == "加强秸秆回收利用及监管"
    assert straw.lead == ["市农委"]
    assert straw.responsible == ["市生态环境分局", "各乡镇（街道、管委会）"]
    # two lead units on one line with the responsible units
    assert _task(plan, "四（二）2").lead == ["市科工信局", "市发展改革委"]
    assert _task(plan, "四（二）2").responsible == ["市市场监管局", "各乡镇（街道、管委会）"]
    # "(街道、管委会)" on the next page
    assert _task(plan, "四（七）4").responsible[-1] == "各乡镇（街道、管委会）"
    # no lead unit, "…按各自职责落实"
    express = _task(plan, "四（四）9")
    assert express.lead == []
    assert express.responsible == ["市市场监管局", "市邮政公司", "各乡镇（街道、管委会）"]


def test_xinzheng_dated_targets() -> None:
    targets = _targets(_plan("xinzheng-2023.txt"))
    assert targets["工业固体废物综合利用率"] == ("达到…以上", 95.0, "%", 2025)
    assert targets["一般工业固体废物产生强度"][1:3] == (0.3797, "吨/万元")
    assert targets["城市居民小区生活垃圾分类覆盖率"] == ("达到…以上", 99.5, "%", 2025)
    assert targets["生活垃圾回收利用率"] == ("提升至", 40.0, "%", 2025)
    assert targets["可循环快递包装保有量"] == ("达到", 0.2, "万个", 2025)
    assert targets["快递绿色包装使用率"] == ("达到…以上", 93.0, "%", 2025)
    assert targets["市建成区建筑垃圾资源化利用率"] == ("达", 60.0, "%", 2025)
    assert targets["装配式建筑占新建建筑比例"] == ("提高至", 25.0, "%", 2025)
    assert targets["绿色建筑占新建建筑比例"] == ("稳定在", 100.0, "%", 2025)  # "稳\n\n定在 100%"
    assert targets["规模以上工业单位增加值能耗"] == ("较2020年下降", 18.0, "%", 2025)  # "增\n\n加值"
    assert targets["农膜回收利用率"] == ("达到…以上", 97.0, "%", 2025)
    assert targets["农药包装废弃物回收率"] == ("达到", 80.0, "%", 2025)
    assert targets["工业危险废物产生强度"] == ("…以上", 0.0064, "吨/万元", 2025)
    assert targets["一般工业固废贮存处置量下降幅度"][0] == "零增长或正增长"
    for name in ("“无废城市”建设宣传教育培训普及率", "“无废城市”建设参与度", "“无废城市”建设成效满意度"):
        assert targets[name] == ("达到", 90.0, "%", 2025)
    assert len(targets) >= 35


def test_xinzheng_annex_leadership_and_cells() -> None:
    facts = _plan("xinzheng-2023.txt").facts
    leaders = facts["leadership"]["leaders"]
    assert leaders[0] == {"role": "组长", "name": "杨晋", "post": "市委副书记、代市长"}
    assert [x["name"] for x in leaders if x["role"] == "副组长"][:2] == ["张佳涛", "范超杰"]
    assert len(leaders) == 8
    assert "市城管局" in facts["leadership"]["members"]
    assert "中国人民银行新郑支行" in facts["leadership"]["members"]
    cells = facts["cells"]
    assert cells["types"] == ["机关", "企业", "村镇", "社区", "酒店", "集贸市场", "商超", "学校", "医院"]
    assert [(p["name"], p["kind"]) for p in cells["places"]] == [
        ("郑韩古城墙遗址公园", "无废公园"),
        ("黄水河湿地公园", "无废公园"),
        ("轩辕湖公园", "无废公园"),
        ("具茨山景区", "无废景区"),
        ("黄帝故里景区", "无废景区"),
    ]


def test_xinmi_note_prose_targets_indicators_and_scenic_spots() -> None:
    plan = _plan("xinmi-draft-note.txt")
    assert plan.city == "新密市"
    assert len(plan.tasks) == 6  # 一是 … 六是 under 重点任务
    targets = _targets(plan)
    assert targets["城区生活垃圾分类覆盖率"][1:] == (99.5, "%", 2025)
    assert targets["城市建成区利用率"][1:] == (40.0, "%", 2025)
    assert targets["秸秆综合利用率"] == ("达到…以上", 95.0, "%", 2025)
    assert targets["农膜回收率"] == ("达到…以上", 97.0, "%", 2025)
    assert targets["规上工业单位增加值能耗"] == ("下降", 18.0, "%", 2025)  # "“十四五”期间"
    system = plan.facts["indicator_system"]
    assert system["total"] == 48
    assert [p["count"] for p in system["parts"]] == [24, 22, 2]
    assert [p["name"] for p in plan.facts["cells"]["places"]] == [
        "伏羲山红石林景区",
        "三泉湖景区",
        "银基国际旅游度假区",
    ]
    assert targets["“无废景区”"] == ("建设", 3.0, "个", 2023)


def test_zhengzhou_inline_units_with_half_width_punctuation() -> None:
    plan = _plan("zhengzhou-inline.txt", FIXTURES)
    assert plan.city == "郑州市"
    assert plan.doc_no == "郑政〔2023〕11号"
    straw = _task(plan, "二（一）1")
    assert straw.title == "推动秸秆综合利用"
    assert straw.lead == ["市农委"]
    assert straw.responsible == ["市生态环境局", "各开发区管委会", "各区县〔市〕政府"]
    assert "牵头单位" not in straw.text
    assert _task(plan, "二（一）2").lead == ["市资源规划局", "市发展改革委"]
    assert _task(plan, "二（二）1").responsible == ["市城管局", "市商务局"]
    assert _task(plan, "二（二）2").lead == []  # a task with no units
    targets = _targets(plan)
    assert targets["秸秆综合利用率"] == ("保持在…以上", 95.0, "%", 2025)
    assert targets["农村生活垃圾收运处置体系覆盖率"][1] == 100.0  # "100 %"
    assert targets["绿色矿山"] == ("新增", 5.0, "座", 2025)
    assert "快递网点" in plan.facts["cells"]["types"]


def test_page_breaks_inside_words_and_numbers() -> None:
    plan = _plan("pagebreak.txt", FIXTURES)
    targets = _targets(plan)
    assert targets["一般工业固体废物综合利用率"] == ("达到…以上", 90.0, "%", 2025)  # full-width digits
    assert targets["生活垃圾无害化处理率"] == ("稳定在", 100.0, "%", 2025)
    assert targets["城镇污水处理厂污泥无害化处置率"][1] == 95.0  # "9" / "5%"
    assert targets["工业固体废物产生强度"] == ("控制在…以内", 0.5, "吨/万元", 2025)
    first = _task(plan, "二（一）1")
    assert first.lead == ["县工信局", "县发展改革委"]
    assert first.responsible == ["县生态环境分局", "各乡镇（人民政府、街道办事处）"]
    assert _task(plan, "二（二）1").responsible == ["县农业农村局", "县供销社"]


def test_parenthesised_and_circled_numbering() -> None:
    plan = _plan("numbering.txt", FIXTURES)
    labels = [s.label for s in plan.sections]
    assert "第二章一（1）②" in labels
    cell = _task(plan, "第二章一（1）②")
    assert cell.lead == ["区城管局"]
    targets = _targets(plan)
    assert targets["“无废小区”"] == ("创建", 20.0, "个", 2024)
    assert targets["建筑垃圾资源化利用率"] == ("达到", 50.0, "%", None)


def test_canonical_and_paragraph_joining() -> None:
    assert canonical("(牵头单位:市农委,责任单位:市生态环境局)") == "（牵头单位：市农委，责任单位：市生态环境局）"
    assert canonical("１２％, 1,000") == "12%， 1,000"
    text = (
        "到 2025 年，装配式建筑占新建建筑比例提高至25%，绿色建筑占新建建筑比例稳\n\n定在 100%。\n\n牵头单位：市住建局"
    )
    assert [p for _r, p in paragraphs(text)] == [
        "到2025年，装配式建筑占新建建筑比例提高至25%，绿色建筑占新建建筑比例稳定在100%。",
        "牵头单位：市住建局",
    ]


def test_units_split_respects_brackets_and_conjunctions() -> None:
    lead, resp = parse_units(
        "牵头单位：市科工信局、市发展改革委，责任单位：市邮政公司及各乡镇（街道、管委会）按各自职责落实"
    )
    assert lead == ["市科工信局", "市发展改革委"]
    assert resp == ["市邮政公司", "各乡镇（街道、管委会）"]


def test_sentences_with_percent_but_no_target_are_reported() -> None:
    found, missed = extract_targets("比上年提高了5%。")
    assert found == []
    assert missed == ["比上年提高了5%。"]


def test_render_target() -> None:
    assert render_target("工业固体废物综合利用率", "达到…以上", 95.0, "%") == "工业固体废物综合利用率达到95%以上"
    assert render_target("可循环快递包装保有量", "达到", 0.2, "万个") == "可循环快递包装保有量达到0.2万个"
    assert render_target("农村地区生活垃圾分类", "全覆盖", 100.0, "%") == "农村地区生活垃圾分类全覆盖"
