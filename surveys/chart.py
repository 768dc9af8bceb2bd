"""A PNG chart of the indicators: rates as bars with their Wilson 95% whiskers and the target line.

matplotlib with the Agg backend (no display needed). Labels are Chinese and need a CJK font; none is downloaded at
run time. matplotlib caches its font list, so a CJK font installed after the cache was built (e.g. Debian's
fonts-wqy-microhei added later) would be missed: when the cached list has no CJK family, the system font folders are
scanned once and CJK files are added. Only when the machine has no CJK font at all does the chart fall back to ASCII
labels. With a breakdown (`--by`), one panel per indicator shows every group's rate, interval and the target.
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
CJK_FILE_HINTS = ("wqy", "notosanscjk", "notoserifcjk", "sourcehan", "droidsansfallback", "uming", "ukai", "simhei")
MAX_GROUPS = 30  # a panel with more groups than this is unreadable; the rest are named in a note

ZH = {
    "rate": "比例（绿=达标，红=未达标，灰=无数据）",
    "ci": "95% 置信区间",
    "target": "目标 {target:.0%}",
    "title": "{title} · {wave} · 样本 {n} 份",
    "all_waves": "全部批次",
    "wave": "{wave} 批次",
    "by": "按{dim}",
    "more": "另有 {n} 组未画出（见表格）",
    "weighted": " · 按人口加权",
}
EN = {
    "rate": "rate (green = met, red = not met, grey = no data)",
    "ci": "95% CI",
    "target": "target {target:.0%}",
    "title": "{title} · {wave} · n={n}",
    "all_waves": "all waves",
    "wave": "wave {wave}",
    "by": "by {dim}",
    "more": "{n} more groups not drawn (see the table)",
    "weighted": " · weighted",
}
DIMENSIONS = {"township": "乡镇/街道", "age_band": "年龄段", "identity": "身份", "cell_type": "无废细胞类型"}


def _installed() -> set[str]:
    from matplotlib import font_manager

    return {f.name for f in font_manager.fontManager.ttflist}


def _add_system_cjk_fonts() -> None:
    """Add CJK font files the cached font list does not know (installed after the cache was built)."""
    from matplotlib import font_manager

    for path in font_manager.findSystemFonts():
        name = path.replace("-", "").replace("_", "").lower()
        if any(hint in name for hint in CJK_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError) as exc:  # a broken font file is skipped, not fatal
                log.warning("font %s could not be added: %s", path, exc)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed font family that has Chinese glyphs (refreshing a stale font cache once), or None."""
    installed = _installed()
    found = next((name for name in CJK_FAMILIES if name in installed), None)
    if found is None:
        _add_system_cjk_fonts()
        installed = _installed()
        found = next((name for name in CJK_FAMILIES if name in installed), None)
    return found


def _colour(item: dict[str, Any]) -> str:
    return "#1f6f43" if item["met"] else "#c0392b" if item["met"] is False else "#999999"


def _bars(axes: Any, items: list[dict[str, Any]], names: list[str], words: dict[str, str], font: str) -> None:
    """Bars with interval whiskers, value labels and the target line(s) on one axes."""
    from matplotlib.ticker import PercentFormatter

    rates = [item["rate"] or 0.0 for item in items]
    lower = [(item["rate"] - item["ci_low"]) if item["rate"] is not None else 0.0 for item in items]
    upper = [(item["ci_high"] - item["rate"]) if item["rate"] is not None else 0.0 for item in items]
    positions = list(range(len(items)))
    axes.bar(positions, rates, color=[_colour(i) for i in items], width=0.55, label=words["rate"])
    axes.errorbar(positions, rates, yerr=[lower, upper], fmt="none", ecolor="#222222", capsize=6, label=words["ci"])
    for target in sorted({item["target"] for item in items}):
        axes.axhline(
            target, color="#d35400", linestyle="--", linewidth=1.2, label=words["target"].format(target=target)
        )
    for x, item in zip(positions, items, strict=True):
        if item["rate"] is not None:
            axes.annotate(
                f"{item['rate']:.0%}", (x, item["ci_high"] or item["rate"]), textcoords="offset points",
                xytext=(0, 3), ha="center", fontsize=8,
            )  # fmt: skip
    rotate = 45 if len(items) > 4 else 0
    if not rotate:  # few long names (the indicators): wrap them instead of turning them
        names = [n if len(n) <= 6 else n[: (len(n) + 1) // 2] + "\n" + n[(len(n) + 1) // 2 :] for n in names]
    axes.set_xticks(positions, names, fontfamily=font, rotation=rotate, ha="right" if rotate else "center", fontsize=9)
    axes.set_ylim(0, 1.12)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0))


def render_png(report: dict[str, Any], *, dpi: int = 120) -> bytes:
    """The chart of a report (surveys.report.build) as PNG bytes; one panel per indicator when it has a breakdown."""
    out = io.BytesIO()
    build_figure(report, dpi=dpi).savefig(out, format="png")
    return out.getvalue()


def build_figure(report: dict[str, Any], *, dpi: int = 120) -> Any:
    """The matplotlib Figure behind render_png (for tests and other formats)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    cjk = cjk_font()
    font = cjk or "DejaVu Sans"
    words = ZH if cjk else EN
    items = report["indicators"]
    wave = words["wave"].format(wave=report["wave"]) if report.get("wave") else words["all_waves"]
    title = words["title"].format(title=report.get("title") if cjk else report["survey"], wave=wave, n=report["n"])
    if report.get("weighting"):  # a weighted chart says so: its bars are not the raw shares
        title += words["weighted"]
    breakdown = {dim: groups for dim, groups in (report.get("breakdown") or {}).items() if groups}
    if not breakdown:
        figure = Figure(figsize=(6.4, 4.4), dpi=dpi)
        axes = figure.subplots()
        _bars(axes, items, [i["name"] if cjk else i["key"] for i in items], words, font)
        axes.set_title(title, fontfamily=font, fontsize=11)
    else:
        dim, groups = next(iter(breakdown.items()))
        shown = list(groups.items())[:MAX_GROUPS]
        panels = len(items)
        width = max(6.4, 0.42 * len(shown) + 2.0)
        figure = Figure(figsize=(width, 3.2 * panels + 1.0), dpi=dpi)
        axes_list = figure.subplots(panels, 1, squeeze=False)[:, 0]
        dim_name = DIMENSIONS.get(dim, dim) if cjk else dim
        for index, item in enumerate(items):
            per_group = [next((r for r in results if r["key"] == item["key"]), None) for _, results in shown]
            rows = [(name, r) for (name, _), r in zip(shown, per_group, strict=True) if r is not None]
            axes = axes_list[index]
            _bars(axes, [r for _, r in rows], [n for n, _ in rows], words, font)
            axes.set_title(
                f"{item['name'] if cjk else item['key']}（{words['by'].format(dim=dim_name)}）",
                fontfamily=font,
                fontsize=10,
            )
        if len(groups) > MAX_GROUPS:
            figure.text(0.01, 0.005, words["more"].format(n=len(groups) - MAX_GROUPS), fontfamily=font, fontsize=8)
        figure.suptitle(title, fontfamily=font, fontsize=11)
    handles, labels = figure.axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=3, prop={"family": font, "size": 8}, frameon=False)
    figure.tight_layout(rect=(0, 0.05 if not breakdown else 0.03, 1, 1))
    return figure
