"""A PNG chart of the indicators: rates as bars with their Wilson 95% whiskers and the target line.

matplotlib with the Agg backend (no display needed). Chinese labels need a CJK font; none is downloaded at run
time: when the machine has one (e.g. Debian's fonts-noto-cjk or fonts-wqy-zenhei) the chart is labelled in
Chinese, otherwise with the ASCII indicator keys, and the legend says which is which.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "AR PL UMing CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed font family that has Chinese glyphs, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FAMILIES if name in installed), None)


def render_png(report: dict[str, Any], *, dpi: int = 120) -> bytes:
    """The chart of a report (surveys.report.build) as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    font = cjk_font()
    items = report["indicators"]
    names = [item["name"] if font else item["key"] for item in items]
    rates = [item["rate"] or 0.0 for item in items]
    lower = [(item["rate"] - item["ci_low"]) if item["rate"] is not None else 0.0 for item in items]
    upper = [(item["ci_high"] - item["rate"]) if item["rate"] is not None else 0.0 for item in items]
    targets = sorted({item["target"] for item in items})
    figure = Figure(figsize=(6.4, 4.0), dpi=dpi)
    axes = figure.subplots()
    colours = ["#1f6f43" if item["met"] else "#c0392b" if item["met"] is False else "#999999" for item in items]
    positions = list(range(len(items)))
    axes.bar(
        positions,
        rates,
        color=colours,
        width=0.55,
        label="比例（绿=达标，红=未达标）" if font else "rate (green = met, red = not met)",
    )
    axes.errorbar(positions, rates, yerr=[lower, upper], fmt="none", ecolor="#222222", capsize=8, label="95% CI")
    for target in targets:
        axes.axhline(target, color="#d35400", linestyle="--", linewidth=1.2, label=f"target {target:.0%}")
    for x, item in zip(positions, items, strict=True):
        if item["rate"] is not None:
            axes.annotate(
                f"{item['rate']:.1%}", (x, item["ci_high"] or item["rate"]), textcoords="offset points",
                xytext=(0, 4), ha="center", fontsize=9,
            )  # fmt: skip
    axes.set_xticks(positions, names, fontfamily=font or "DejaVu Sans")
    axes.set_ylim(0, 1.08)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    wave = report.get("wave") or "all"
    axes.set_title(f"{report['survey']} · wave {wave} · n={report['n']}", fontfamily=font or "DejaVu Sans")
    axes.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, prop={"family": font or "DejaVu Sans", "size": 8}
    )
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
