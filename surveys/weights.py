"""Population margins for post-stratification: a CSV or XLSX with `township`, optionally `age_band`, and
`population`; values may be option codes or labels of the survey's questions."""

from __future__ import annotations

from pathlib import Path

from surveys.answers import parse
from surveys.definition import Survey
from surveys.indicators import Stratum
from surveys.tables import read_table

DIMS = ("township", "age_band")


def load_population(survey: Survey, path: Path) -> tuple[tuple[str, ...], dict[Stratum, float]]:
    """(the strata columns, population by stratum); ValueError naming the line when the file is wrong."""
    header, rows = read_table(path)
    dims = tuple(d for d in DIMS if d in header)
    if "township" not in dims or "population" not in header:
        raise ValueError(f"{path.name}: 需要 township 和 population 两列（可选 age_band）")
    population: dict[Stratum, float] = {}
    for line, row in rows:
        stratum: list[str | None] = []
        for dim in dims:
            parsed = parse(survey.question(dim), row.get(dim, ""), fuzzy=False)
            if not parsed.values:
                raise ValueError(f"{path.name} 第 {line} 行：{dim} 的值“{row.get(dim, '')}”不是问卷里的选项")
            stratum.append(parsed.values[0])
        try:
            count = float(row.get("population", "").replace(",", ""))
        except ValueError:
            raise ValueError(f"{path.name} 第 {line} 行：population 不是数字") from None
        if count < 0:
            raise ValueError(f"{path.name} 第 {line} 行：population 不能为负")
        key = tuple(stratum)
        population[key] = population.get(key, 0.0) + count
    if not population:
        raise ValueError(f"{path.name}: 没有数据行")
    return dims, population
