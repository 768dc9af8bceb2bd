"""`wufei survey list|import|export` and `wufei indicators`: questionnaires, imports, exports and the three
indicators with their method. Errors print a message and exit non-zero."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import get_settings
from bot.db import transaction, utcnow
from surveys import export, report
from surveys.definition import DefinitionError, Survey, load_surveys
from surveys.importer import import_file
from surveys.indicators import rule_text
from surveys.models import SurveyResponse
from surveys.tally import GROUPABLE
from surveys.weights import load_population

ALL_WAVES = "all"


def register(subparsers: Any) -> None:
    """Add the `survey` group and the `indicators` command to the top-level sub-commands."""
    group = subparsers.add_parser("survey", help="问卷：列出、导入、导出").add_subparsers(
        dest="survey_command", required=True
    )
    p = group.add_parser("list", help="列出问卷及回答数")
    p.set_defaults(handler=cmd_list)
    p = group.add_parser("import", help="导入在别处收集的回答（CSV/XLSX，列名为题目编号）")
    p.add_argument("file", type=Path)
    p.add_argument("--survey", default="public", help="问卷编号（默认 public）")
    p.add_argument("--skip-bad", action="store_true", help="跳过有错的行，导入其余行（默认有错则一行都不导入）")
    p.set_defaults(handler=cmd_import)
    p = group.add_parser("export", help="导出回答（CSV，或含指标汇总的 XLSX）")
    p.add_argument("out", type=Path)
    p.add_argument("--format", choices=["csv", "xlsx"], default=None, help="默认按文件扩展名")
    p.add_argument("--survey", default="public")
    p.add_argument("--wave", default=None, help=f"批次（默认当前批次；{ALL_WAVES} = 全部）")
    p.add_argument("--codes", action="store_true", help="选项输出编码而不是文字")
    p.set_defaults(handler=cmd_export)

    p = subparsers.add_parser("indicators", help="普及率、参与度、满意度（含 Wilson 95%% 区间和计算方法）")
    p.add_argument("--survey", default="public")
    p.add_argument("--wave", default=None, help=f"批次（默认当前批次；{ALL_WAVES} = 全部）")
    p.add_argument("--by", action="append", choices=list(GROUPABLE), default=[], help="分组（可重复）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument(
        "--weighted", action="store_true", help="按乡镇×年龄段人口加权（需 --weights 或 WUFEI_SURVEYS__WEIGHTS_FILE）"
    )
    p.add_argument(
        "--weights", type=Path, default=None, help="人口权重文件（CSV/XLSX：township[,age_band],population）"
    )
    p.set_defaults(handler=cmd_indicators)


def _survey(name: str) -> Survey:
    try:
        surveys = load_surveys(get_settings().surveys.extra_dir)
    except DefinitionError as exc:
        raise ValueError(f"问卷定义有误：{exc}") from exc
    if name not in surveys:
        raise ValueError(f"没有问卷“{name}”（现有：{', '.join(sorted(surveys)) or '无'}）")
    return surveys[name]


def _wave(survey: Survey, wave: str | None) -> str | None:
    if wave is None:
        return survey.wave
    return None if wave == ALL_WAVES else wave


def cmd_list(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Each questionnaire with its version, wave and response counts by status."""
    surveys = load_surveys(get_settings().surveys.extra_dir)
    with transaction(factory) as session:
        counts: dict[tuple[str, str], int] = {}
        for survey_id, status, n in session.execute(
            select(SurveyResponse.survey_id, SurveyResponse.status, func.count()).group_by(
                SurveyResponse.survey_id, SurveyResponse.status
            )
        ):
            counts[(survey_id, status)] = int(n)
    for survey in surveys.values():
        by_status = "，".join(f"{s} {n}" for (sid, s), n in sorted(counts.items()) if sid == survey.id) or "暂无回答"
        mode = "匿名" if survey.anonymous else "实名关联"
        print(
            f"{survey.id}\t第 {survey.version} 版\t批次 {survey.wave}\t{len(survey.questions)} 题\t{mode}\t{survey.title}\t{by_status}"
        )
    return 0


def cmd_import(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Import a CSV/XLSX; every bad row is reported; nothing is stored when any row is bad (unless --skip-bad)."""
    survey = _survey(args.survey)
    if not args.file.is_file():
        raise ValueError(f"找不到文件 {args.file}")

    def progress(rows: int) -> None:
        print(f"已检查 {rows} 行…", file=sys.stderr, flush=True)

    with transaction(factory) as session:
        result = import_file(session, survey, args.file, now=utcnow(), skip_bad=args.skip_bad, progress=progress)
    if result.ignored_columns:
        print(f"提示：以下列不是题目，已忽略：{', '.join(result.ignored_columns)}", file=sys.stderr)
    for line, reason in result.bad:
        print(f"第 {line} 行：{reason}", file=sys.stderr)
    if result.bad and not result.committed:
        print(
            f"错误：{len(result.bad)} 行有问题，未导入任何数据（共 {result.rows} 行）。改正后重试，或加 --skip-bad 只导入正确的行。",
            file=sys.stderr,
        )
        return 1
    print(f"已导入 {result.imported} 份问卷（共 {result.rows} 行，跳过 {len(result.bad)} 行）。")
    return 0


def cmd_export(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Write the responses (CSV) or the workbook with the indicator summary (XLSX)."""
    survey = _survey(args.survey)
    fmt = args.format or args.out.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise ValueError("请用 --format csv 或 --format xlsx（或以 .csv/.xlsx 结尾的文件名）")
    wave = _wave(survey, args.wave)
    with transaction(factory) as session:
        if fmt == "csv":
            rows = export.write_csv(session, survey, args.out, wave=wave, codes=args.codes)
            data = None
        else:
            data = report.build(session, survey, wave=wave, by=["township", "age_band", "identity"])
            rows = export.write_xlsx(session, survey, args.out, report=data, wave=wave, codes=args.codes)
    print(f"已导出 {rows} 份问卷到 {args.out}")
    if data is None:
        with transaction(factory) as session:
            data = report.build(session, survey, wave=wave)
    _print_method(data)
    return 0


def cmd_indicators(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """The three indicators, their intervals, verdicts and method (JSON with --json)."""
    survey = _survey(args.survey)
    wave = _wave(survey, args.wave)
    weights = None
    source = None
    if args.weighted or args.weights:
        path = args.weights or get_settings().surveys.weights_file
        if path is None:
            raise ValueError("加权需要人口权重文件：--weights FILE 或 WUFEI_SURVEYS__WEIGHTS_FILE")
        weights = load_population(survey, Path(path))
        source = Path(path).name
    with transaction(factory) as session:
        data = report.build(session, survey, wave=wave, by=args.by, weights=weights, weights_source=source)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(f"{data['title']}（{data['survey']}，批次 {data['wave'] or '全部'}）：已完成问卷 {data['n']} 份")
    for item in data["indicators"]:
        print("  " + _line(item))
    for dim, values in data["breakdown"].items():
        print(f"按 {dim}：")
        for value, items in values.items():
            print(f"  {value}")
            for item in items:
                print("    " + _line(item))
    _print_method(data)
    return 0


def _line(item: dict[str, Any]) -> str:
    if item["rate"] is None:
        return f"{item['name']}：暂无有效回答"
    verdict = "达标" if item["met"] else "未达标"
    text = (
        f"{item['name']}：{item['rate']:.1%}（95% 区间 {item['ci_low']:.1%}–{item['ci_high']:.1%}，"
        f"{item['numerator']}/{item['denominator']}"
    )
    if item["excluded"]:
        text += f"，不计入 {item['excluded']}"
    if item["weighted"]:
        text += f"，加权，有效样本 {item['n_effective']:.0f}"
    text += f"）目标 {item['target']:.0%} {verdict}"
    if item.get("score") is not None:
        text += f"；0–100 分 {item['score']:.1f}"
    return text


def _print_method(data: dict[str, Any]) -> None:
    print("计算方法：")
    for item in data["indicators"]:
        print(f"  {item['name']}：{item['method']}（判定：{rule_text(item['rule'])}）")
    for warning in data["warnings"]:
        print(f"提示：{warning}")
