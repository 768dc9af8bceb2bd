"""WeChat template-message variants: {"template_id", "url"?, "data": {key: text}}, with per-resident placeholders.

A campaign keeps it in `variants["wechat_template"]`; each value may use the same placeholders as the campaign
text and is rendered per recipient by campaigns.content, so a placeholder added there works here too.

A template push carries no 退订 line ("回复“退订”不再接收", which ends every other push): its fields are the template's
own keywords, WeChat cuts each at 20 characters and no longer shows `first` / `remark`, so no field can be relied on
to show it, and staff wording is not to be cut short for it. 退订 still works the same (reply 退订, the menu's
退订宣传, unfollowing; WeChat itself also lets a follower refuse an account's template messages). The console form,
the CLI help, the README and docs/decisions.md say so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from campaigns import content, links, news
from campaigns.texts import STOP_LINE

KEY = "wechat_template"


class TemplateError(ValueError):
    """A template variant that cannot be used (message in Chinese, shown to staff)."""


def validate(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check the shape and the placeholders; returns a normalised copy."""
    unknown = set(raw) - {"template_id", "url", "data"}
    if unknown:
        raise TemplateError(f"模板消息只能有 template_id、url、data 三项，多了：{'、'.join(sorted(unknown))}")
    template_id = str(raw.get("template_id") or "").strip()
    if not template_id:
        raise TemplateError("模板消息缺少 template_id（在公众号后台“模板消息”里可以看到）")
    data = raw.get("data")
    if not isinstance(data, Mapping) or not data:
        raise TemplateError('模板消息的 data 应是“字段: 内容”的对应表，例如 {"first": "…", "remark": "…"}')
    out_data: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):  # WeChat's own {"value": "…", "color": "…"} form: keep the text
            value = value.get("value")
        if not isinstance(value, str | int | float) or not str(key).strip():
            raise TemplateError(f"模板字段 {key} 的内容应是文字")
        text = str(value)
        try:
            content.check(text)
        except ValueError as exc:
            raise TemplateError(f"模板字段 {key}：{exc}") from exc
        out_data[str(key).strip()] = text
    out: dict[str, Any] = {"template_id": template_id, "data": out_data}
    url = str(raw.get("url") or "").strip()
    if url and not links.is_web_url(url):
        raise TemplateError("模板消息的网址应以 http:// 或 https:// 开头，且不能有空格（最多 512 个字符）")
    if url:
        out["url"] = url
    return out


def from_file(path: Path) -> dict[str, Any]:
    """Read and check a template variant from a UTF-8 JSON file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise TemplateError(f"找不到文件：{path}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TemplateError(f"模板文件不是有效的 UTF-8 JSON：{exc}") from exc
    if not isinstance(raw, Mapping):
        raise TemplateError("模板文件应是一个 JSON 对象")
    return validate(raw)


def from_fields(template_id: str, fields: Sequence[str], url: str | None = None) -> dict[str, Any]:
    """Build from `--template-id` and repeated `KEY=VALUE` fields."""
    data: dict[str, str] = {}
    for pair in fields:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise TemplateError(f"模板字段应写成 字段=内容：{pair}")
        data[key.strip()] = value
    return validate({"template_id": template_id, "url": url, "data": data})


def render(
    variants: Mapping[str, Any], profile: Mapping[str, str | None], *, link: str | None = None
) -> dict[str, Any] | None:
    """The WeChat extras for one resident, or None when the campaign has none: the template message (placeholders
    filled) and the 图文 article as flat `news_*` fields (flat so the sender loop tracks its link like the URL's)."""
    out: dict[str, Any] = {}
    article = news.of(variants)
    if article is not None:
        out.update({f"news_{k}": str(article[k]) for k in news.FIELDS if article.get(k)})
        out["news_description"] = (out.get("news_description", "") + STOP_LINE).strip()  # every push says how to stop
    raw = variants.get(KEY)
    if not isinstance(raw, Mapping) or not raw.get("template_id"):
        return out or None
    data = {
        str(key): content.render(str(value), link=None, variants={}, channel=None, profile=profile)
        for key, value in dict(raw.get("data") or {}).items()
    }
    out.update({"template_id": str(raw["template_id"]), "data": data})
    url = raw.get("url") or link
    if url:
        out["url"] = str(url)
    return out
