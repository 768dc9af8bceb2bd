"""Population figures for weighting: a CSV or XLSX with `township`, optionally `age_band`, and `population`;
values may be option codes or labels of the survey's questions.

Two shapes: every row names all its columns (joint cells, e.g. 和庄镇 × 30–44岁 → post-stratification), or
every row names exactly one of township / age_band and leaves the other empty (separate margins → raking).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from surveys.answers import parse
from surveys.definition import Survey
from surveys.indicators import Stratum
from surveys.tables import read_table

DIMS = ("township", "age_band")


@dataclass(frozen=True)
class Population:
    """Population by joint cell (post-stratification) or by separate margins (raking), over `dims`."""

    dims: tuple[str, ...]
    cells: dict[Stratum, float] | None = None
    margins: tuple[dict[str, float], ...] | None = None

    @property
    def raked(self) -> bool:
        """True when weighting rakes to margins."""
        return self.margins is not None


def load_population(survey: Survey, path: Path) -> Population:
    """The population file; ValueError naming the line when it is wrong."""
    header, rows = read_table(path)
    dims = tuple(d for d in DIMS if d in header)
    if "township" not in dims or "population" not in header:
        raise ValueError(f"{path.name}: 需要 township 和 population 两列（可选 age_band）")
    cells: dict[Stratum, float] = {}
    margins: tuple[dict[str, float], ...] = tuple({} for _ in dims)
    shapes: set[str] = set()
    for line, row in rows:
        given = [d for d in dims if row.get(d, "").strip()]
        if not given:
            raise ValueError(f"{path.name} 第 {line} 行：{' / '.join(dims)} 至少要填一个")
        codes: list[str] = []
        for dim in given:
            parsed = parse(survey.question(dim), row.get(dim, ""), fuzzy=False)
            if not parsed.values:
                raise ValueError(f"{path.name} 第 {line} 行：{dim} 的值“{row.get(dim, '')}”不是问卷里的选项")
            codes.append(parsed.values[0])
        try:
            count = float(row.get("population", "").replace(",", ""))
        except ValueError:
            raise ValueError(f"{path.name} 第 {line} 行：population 不是数字") from None
        if count < 0:
            raise ValueError(f"{path.name} 第 {line} 行：population 不能为负")
        if len(given) == len(dims):
            shapes.add("cells")
            key = tuple(codes)
            cells[key] = cells.get(key, 0.0) + count
        elif len(given) == 1:
            shapes.add("margins")
            margin = margins[dims.index(given[0])]
            margin[codes[0]] = margin.get(codes[0], 0.0) + count
        if len(shapes) > 1:
            raise ValueError(
                f"{path.name} 第 {line} 行：同一个文件里不能既有交叉分层（每列都填）又有单独的边际（只填一列）"
            )
    if not shapes:
        raise ValueError(f"{path.name}: 没有数据行")
    if "cells" in shapes:
        return Population(dims, cells=cells)
    missing = [d for d, m in zip(dims, margins, strict=True) if not m]
    if missing:
        raise ValueError(f"{path.name}: 边际分布缺少 {', '.join(missing)} 的行")
    return Population(dims, margins=margins)
