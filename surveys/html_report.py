"""The indicator report as one printable HTML page (a string; no template engine, no external files): summary
table with intervals and verdicts, the chart inlined as a data URI, breakdowns, method, warnings and the
campaign reach shown apart as a different measure."""

from __future__ import annotations

import base64
from html import escape
from typing import Any

from surveys import texts, verification
from surveys.indicators import rule_text

STYLE = """
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:#1d2b22;margin:24px;max-width:960px}
h1{font-size:1.4rem;color:#1f6f43;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:1.6rem;color:#1f6f43}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #ccd5cf;padding:4px 6px;text-align:right}th{background:#eef3ef}
td.l,th.l{text-align:left}.yes{color:#1f6f43;font-weight:600}.no{color:#c0392b;font-weight:600}
.meta{color:#555}.warn{background:#fff3cd;padding:6px 10px;border-radius:6px;margin:.3rem 0}
.reach{border:1px dashed #888;padding:8px 12px;border-radius:6px}img{max-width:100%}
@media print{body{margin:0}h2{break-after:avoid}table{break-inside:avoid}}
"""


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _met(value: bool | None) -> str:
    if value is None:
        return f'<td class="l">{texts.MET_UNKNOWN}</td>'
    return f'<td class="l {"yes" if value else "no"}">{texts.MET_YES if value else texts.MET_NO}</td>'


def _rows(items: list[dict[str, Any]], first: str | None = None) -> str:
    out = []
    for item in items:
        score = item.get("score")
        cells = [
            f'<td class="l">{escape(first)}</td>' if first is not None else "",
            f'<td class="l">{escape(item["name"])}</td>',
            f"<td>{_pct(item['rate'])}</td>",
            f"<td>{_pct(item['ci_low'])} – {_pct(item['ci_high'])}</td>",
            f"<td>{item['numerator']} / {item['denominator']}</td>",
            f"<td>{item['excluded']}</td>",
            f"<td>{item['target']:.0%}</td>",
            _met(item["met"]),
            f"<td>{'—' if score is None else f'{score:.1f}'}</td>",
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "".join(out)


HEAD = (
    "<th class='l'>指标</th><th>比例</th><th>95% 置信区间（Wilson）</th><th>分子 / 分母</th><th>不计入分母</th>"
    "<th>目标</th><th class='l'>是否达标</th><th>0–100 分</th>"
)


def render_html(report: dict[str, Any], *, chart_png: bytes | None = None) -> str:
    """The whole page for a report built by surveys.report.build."""
    title = f"{report['title']} · 指标报告"
    wave = report["wave"] or "全部批次"
    parts = [
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>',
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">问卷 {escape(report["survey"])} 第 {report["version"]} 版 · 批次 {escape(str(wave))} · '
        f"已完成问卷 {report['n']} 份</p>",
    ]
    weighting = report.get("weighting")
    if weighting:
        how = "迭代比例拟合（raking）" if weighting["method"] == "raking" else "事后分层"
        dims = "、".join(DIM_NAMES.get(d, d) for d in weighting["dims"])
        parts.append(f'<p class="meta" id="weighting">已加权：{how}，维度 {escape(dims)}。{_effective(report)}</p>')
    parts.append(f"<h2>汇总</h2><table><tr>{HEAD}</tr>{_rows(report['indicators'])}</table>")
    if report.get("kinds"):
        parts.append(_kinds(report))
    if chart_png:
        data = base64.b64encode(chart_png).decode("ascii")
        parts.append(f'<img alt="指标图：比例、95% 置信区间与目标线" src="data:image/png;base64,{data}">')
    for warning in report["warnings"]:
        parts.append(f'<p class="warn">提示：{escape(warning)}</p>')
    reach = report.get("reach")
    if reach:
        share = "" if reach["share"] is None else f"（占登记居民 {reach['share']:.1%}）"
        parts.append(
            f'<h2>{escape(reach["label"])}</h2><div class="reach"><p>至少收到一条宣传推送的居民：'
            f"<b>{reach['residents_reached']}</b> 人，系统登记居民 {reach['residents_total']} 人{share}。</p>"
            f"<p>{escape(reach['note'])}</p></div>"
        )
    if report.get("trend"):
        parts.append(_trend(report))
    for dim, values in report["breakdown"].items():
        name = escape(DIM_NAMES.get(dim, dim))
        parts.append(f"<h2>按 {name} 分组</h2><table><tr><th class='l'>{name}</th>{HEAD}</tr>")
        for value, items in values.items():
            parts.append(_rows(items, first=value))
        parts.append("</table>")
    parts.append("<h2>计算方法</h2><ul>")
    for item in report["indicators"]:
        parts.append(
            f"<li><b>{escape(item['name'])}</b>：{escape(item['method'])}（判定：{escape(rule_text(item['rule']))}）</li>"
        )
    parts.append("</ul></body></html>")
    return "".join(parts)


DIM_NAMES = {
    "township": "乡镇（街道）",
    "age_band": "年龄段",
    "identity": "身份",
    "cell_type": "无废细胞类型",
    "channel": "渠道",
    "source": "来源",
    "wave": "批次",
}


def _effective(report: dict[str, Any]) -> str:
    """The Kish effective sample size of each weighted indicator, as one sentence."""
    sizes = [
        f"{escape(item['name'])} {item['n_effective']:.1f} 份"
        for item in report["indicators"]
        if item.get("n_effective") is not None
    ]
    if not sizes:
        return ""
    return f"有效样本量（Kish 公式，加权后相当于多少份简单随机样本）：{'；'.join(sizes)}。"


def _kinds(report: dict[str, Any]) -> str:
    """How many responses of each kind, and which kinds the figures above count."""
    rows = "".join(
        f"<tr><td class='l'>{escape(name)}</td><td>{n}</td><td class='l'>{counted}</td></tr>"
        for name, n, counted in verification.kind_table(report)
    )
    return (
        "<h2>问卷来源</h2><table><tr><th class='l'>来源</th><th>已完成份数</th><th class='l'>正式统计</th></tr>"
        f"{rows}</table><p class='meta'>“未核验”是网页上无需任何验证提交的答卷：保存、单列，默认不计入上面的指标。</p>"
    )


def _trend(report: dict[str, Any]) -> str:
    """A table of every wave: n and each indicator's rate with its interval and verdict."""
    names = [item["name"] for item in report["indicators"]]
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    rows = []
    for wave in report["trend"]:
        cells = []
        for item in wave["indicators"]:
            if item["rate"] is None:
                cells.append("<td>—</td>")
            else:
                cells.append(
                    f"<td>{_pct(item['rate'])}（{_pct(item['ci_low'])}–{_pct(item['ci_high'])}）{_met(item['met'])}</td>"
                )
        rows.append(f"<tr><td class='l'>{escape(str(wave['wave']))}</td><td>{wave['n']}</td>{''.join(cells)}</tr>")
    return (
        "<h2>各批次趋势</h2><table><tr><th class='l'>批次</th><th>样本</th>"
        + head
        + "</tr>"
        + "".join(rows)
        + "</table>"
        "<p class='meta'>每批次按同一口径计算（未加权），括号内为 Wilson 95% 置信区间。</p>"
    )
