"""The mobile web form of a questionnaire (GET/POST /survey/{survey_id}) and GET /api/indicators.

The form posts plain application/x-www-form-urlencoded data; the server validates it with the same rules and
skip logic as the chat, answers 4xx with the reasons, and keeps one response per browser (a random cookie,
turned into a salted one-way key like a chat resident's).

An answer counts in the official figures only when the respondent proved something (surveys.verification): a
one-time code the bot gave a resident (field `_code`; the answer becomes that resident's) or a pass printed as a
QR code with a limited number of uses (`?pass=` on the form, field `_pass`). Other answers are stored as
"unverified"; those posts are limited per client address and survey (429 with the reason once over the limit).
"""

from __future__ import annotations

import re
import secrets
from html import escape
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from bot.db import transaction, utcnow
from bot.web.resident.chat import client_address
from surveys import flow, report_cache, texts, verification
from surveys.definition import DefinitionError, Question, Survey, load_surveys
from surveys.keys import resolve_salt, respondent_key
from surveys.tally import GROUPABLE

router = APIRouter(tags=["surveys"])
COOKIE = "wufei_respondent"
COOKIE_AGE = 400 * 24 * 3600
SELECT_OVER = 8
STYLE = """
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f3f6f4;color:#1d2b22}
main{max-width:640px;margin:0 auto;padding:16px}
h1{font-size:1.3rem;color:#1f6f43}
.q{background:#fff;border-radius:10px;padding:12px 14px;margin:12px 0;box-shadow:0 1px 2px #0001}
.q.bad{border:2px solid #c0392b}.err{color:#c0392b;font-size:.9rem;margin:.3rem 0}
.q p{margin:.2rem 0 .6rem;font-weight:600}.mark{color:#888;font-weight:400;font-size:.85rem}
label{display:block;padding:.45rem .2rem;font-size:1rem}
input[type=number],textarea,select{width:100%;box-sizing:border-box;font-size:1rem;padding:.5rem}
button{width:100%;padding:.8rem;font-size:1.1rem;background:#1f6f43;color:#fff;border:0;border-radius:8px}
.intro{color:#444}.notice{background:#fff3cd;padding:10px;border-radius:8px}
.verify input[type=text]{width:100%;box-sizing:border-box;font-size:1.1rem;padding:.5rem;letter-spacing:.2em}
.hint{color:#555;font-size:.85rem}
"""
SCRIPT = """
(function(){var f=document.querySelector('form');if(!f)return;
function vals(id){return Array.prototype.map.call(f.querySelectorAll('[name="'+id+'"]:checked'),function(e){return e.value})}
function upd(){f.querySelectorAll('.q[data-show-q]').forEach(function(d){var v=vals(d.dataset.showQ);
var any=(d.dataset.showIn||'').split(' ').filter(Boolean),none=(d.dataset.showNotIn||'').split(' ').filter(Boolean);
var ok=any.length?v.some(function(x){return any.indexOf(x)>=0}):(v.length>0&&!v.some(function(x){return none.indexOf(x)>=0}));
d.style.display=ok?'':'none'})}
f.addEventListener('change',upd);upd()})();
"""


def _survey(request: Request, survey_id: str) -> Survey:
    try:
        surveys = load_surveys(request.app.state.settings.surveys.extra_dir)
    except DefinitionError as exc:
        raise HTTPException(status_code=503, detail=f"{texts.FORM_BROKEN}（{exc}）") from exc
    survey = surveys.get(survey_id)
    if survey is None:
        raise HTTPException(status_code=404, detail=texts.FORM_NOT_FOUND.format(survey_id=survey_id))
    return survey


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body><main>{body}</main>"
        f"<script>{SCRIPT}</script></body></html>"
    )
    return HTMLResponse(html, status_code=status)


def _question_html(question: Question, chosen: list[str], error: str | None) -> str:
    attrs = ""
    if question.show_if is not None:
        attrs = (
            f' data-show-q="{escape(question.show_if.question)}"'
            f' data-show-in="{escape(" ".join(question.show_if.any_of))}"'
            f' data-show-not-in="{escape(" ".join(question.show_if.none_of))}"'
        )
    mark = texts.FORM_REQUIRED_MARK if question.required else texts.FORM_OPTIONAL_MARK
    parts = [f'<div class="q{" bad" if error else ""}" id="q-{escape(question.id)}"{attrs}>']
    parts.append(f'<p>{escape(form_wording(question.text))} <span class="mark">{mark}</span></p>')
    if error:
        parts.append(f'<div class="err">{escape(form_error(error))}</div>')
    name = escape(question.id)
    if question.type == "single" and len(question.options) > SELECT_OVER:  # a long list: a drop-down on phones
        parts.append(f'<select name="{name}"><option value="">{texts.FORM_CHOOSE}</option>')
        for option in question.options:
            selected = " selected" if option.code in chosen else ""
            parts.append(f'<option value="{escape(option.code)}"{selected}>{escape(option.label)}</option>')
        parts.append("</select>")
    elif question.type in ("single", "scale5", "multiple"):
        kind = "checkbox" if question.type == "multiple" else "radio"
        for option in question.options:
            checked = " checked" if option.code in chosen else ""
            parts.append(
                f'<label><input type="{kind}" name="{name}" value="{escape(option.code)}"{checked}> '
                f"{escape(option.label)}</label>"
            )
    elif question.type == "number":
        value = escape(chosen[0]) if chosen else ""
        bounds = "".join(
            f' {attr}="{limit:g}"'
            for attr, limit in (("min", question.min), ("max", question.max))
            if limit is not None
        )
        parts.append(f'<input type="number" name="{name}" value="{value}" step="any"{bounds}>')
    else:
        value = escape(chosen[0]) if chosen else ""
        parts.append(f'<textarea name="{name}" rows="3" maxlength="{question.max_length}">{value}</textarea>')
    parts.append("</div>")
    return "".join(parts)


def _verify_html(*, pass_token: str = "", pass_label: str = "", code: str = "", error: str | None = None) -> str:
    """The 核验 block of the public form: the QR pass it came with, or a field for a code from the bot."""
    if pass_token:
        return (
            f'<div class="q verify"><input type="hidden" name="_pass" value="{escape(pass_token)}">'
            f'<p class="hint">{escape(texts.FORM_PASS_NOTE.format(label=pass_label))}</p></div>'
        )
    parts = [f'<div class="q verify{" bad" if error else ""}" id="q-_code">']
    parts.append(f'<p>{texts.FORM_VERIFY_TITLE}</p><label for="code">{texts.FORM_CODE_LABEL}</label>')
    if error:
        parts.append(f'<div class="err">{escape(error)}</div>')
    parts.append(
        f'<input type="text" id="code" name="_code" value="{escape(code)}" inputmode="numeric" maxlength="12"'
        ' autocomplete="one-time-code">'
    )
    parts.append(f'<p class="hint">{texts.FORM_CODE_HINT}</p></div>')
    return "".join(parts)


def _form(
    survey: Survey,
    values: dict[str, list[str]],
    errors: dict[str, str],
    status: int = 200,
    *,
    action: str = "",
    verify: str = "",
    notice: str = "",
) -> HTMLResponse:
    body = [f"<h1>{escape(survey.title)}</h1>", f'<p class="intro">{escape(form_wording(survey.intro))}</p>']
    if notice:
        body.append(f'<p class="notice">{escape(notice)}</p>')
    if errors:
        wrong = [
            f"第 {n} 题（{escape(form_error(errors[q.id]))}）"
            for n, q in enumerate(survey.questions, 1)
            if q.id in errors
        ]
        body.append(
            f'<div class="notice" id="form-errors">{texts.FORM_ERRORS}<ul><li>{"</li><li>".join(wrong)}</li></ul></div>'
        )
    body.append(f'<form method="post" action="{escape(action or "/survey/" + survey.id)}">')
    body.extend(_question_html(q, values.get(q.id, []), errors.get(q.id)) for q in survey.questions)
    body.append(verify)
    body.append(f'<button type="submit">{texts.FORM_SUBMIT}</button></form>')
    return _page(survey.title + texts.FORM_TITLE_SUFFIX, "".join(body), status)


CHAT_ONLY = re.compile(r"[（(][^）)]*回复[^）)]*[）)]")  # "（可回复“跳过”）": chat instructions in a question
FORM_ERRORS_BY_CHAT = {
    texts.UNCLEAR_CHOICE.rstrip("：:"): "请从选项中选择一项",
    texts.REQUIRED.rstrip("：:"): "这一题需要回答",
    texts.NOT_A_NUMBER.rstrip("：:"): "请填写一个数字，例如 3",
    texts.NOT_INTEGER.rstrip("：:"): "请填写一个整数",
}


def form_wording(text: str) -> str:
    """Survey text for a form: sentences and notes that tell a chat user what to reply are left out."""
    kept = [s for s in re.split(r"(?<=[。！？])", CHAT_ONLY.sub("", text)) if s and "回复" not in s]
    return "".join(kept).strip()


def form_error(message: str) -> str:
    """A validation message in form wording (the chat's "请回复…" becomes "请填写/选择…")."""
    plain = message.rstrip("：:")
    return FORM_ERRORS_BY_CHAT.get(plain, plain.replace("请回复", "请填写").replace("回复", "填写"))


def _salt(request: Request) -> str:
    settings = request.app.state.settings
    return resolve_salt(settings.surveys.salt, settings.data_dir)


def _key(request: Request, survey: Survey, token: str) -> str:
    return respondent_key(_salt(request), survey.id, f"web:{token}")


def _with_cookie(response: HTMLResponse, token: str) -> HTMLResponse:
    response.set_cookie(COOKIE, token, max_age=COOKIE_AGE, httponly=True, samesite="lax")
    return response


def _cookie(request: Request) -> str:
    token = request.cookies.get(COOKIE, "")
    return token if 16 <= len(token) <= 64 and token.isalnum() else secrets.token_hex(16)


@router.get("/survey/{survey_id}", response_class=HTMLResponse)
def get_form(
    survey_id: str, request: Request, pass_token: Annotated[str, Query(alias="pass", max_length=64)] = ""
) -> HTMLResponse:
    """The questionnaire as a mobile page (or a note that this browser already answered); ?pass= from a QR code."""
    survey = _survey(request, survey_id)
    token = _cookie(request)
    with transaction(request.app.state.factory) as session:
        done = flow.find(session, survey, _key(request, survey, token)) is not None
        found = (
            verification.find_pass(session, survey_id=survey.id, token=pass_token, salt=_salt(request), now=utcnow())
            if pass_token
            else None
        )
        label = found.label if found is not None else ""
    if done:
        return _with_cookie(_page(survey.title, f"<h1>{escape(survey.title)}</h1><p>{texts.FORM_ALREADY}</p>"), token)
    if found is not None:
        return _with_cookie(_form(survey, {}, {}, verify=_verify_html(pass_token=pass_token, pass_label=label)), token)
    notice = texts.FORM_PASS_USED_UP if pass_token else ""
    return _with_cookie(_form(survey, {}, {}, verify=_verify_html(), notice=notice), token)


@router.post("/survey/{survey_id}", response_class=HTMLResponse)
async def post_form(survey_id: str, request: Request) -> HTMLResponse:
    """Validate and store a submitted form: 422 with the reasons marked, 409 when already answered."""
    survey = _survey(request, survey_id)
    body = await request.body()
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body), max_num_fields=500)
    except (UnicodeDecodeError, ValueError):
        return _page(survey.title, f"<p>{texts.FORM_BAD_BODY}</p>", 400)
    token = _cookie(request)
    return await run_in_threadpool(_store, request, survey, fields, token)


def _throttled(survey: Survey, now_retry: int) -> HTMLResponse:
    minutes = max(1, (now_retry + 59) // 60)
    page = _page(
        survey.title, f"<h1>{escape(survey.title)}</h1><p>{texts.FORM_THROTTLED.format(minutes=minutes)}</p>", 429
    )
    page.headers["Retry-After"] = str(now_retry)
    return page


def _store(request: Request, survey: Survey, fields: dict[str, list[str]], token: str) -> HTMLResponse:
    code = (fields.pop("_code", None) or [""])[0].strip()
    pass_token = (fields.pop("_pass", None) or [""])[0].strip()[:64]
    answers, errors = flow.validate(survey, fields)
    salt, now = _salt(request), utcnow()
    per_hour = request.app.state.settings.surveys.form_per_hour
    notice = ""
    with transaction(request.app.state.factory) as session:
        proof: str | None = None
        found_code = None
        if code:
            found_code = verification.find_code(session, survey_id=survey.id, code=code, salt=salt, now=now)
            if found_code is None:
                errors["_code"] = texts.FORM_CODE_WRONG
            else:
                proof = verification.CODE
        elif pass_token:
            if verification.find_pass(session, survey_id=survey.id, token=pass_token, salt=salt, now=now) is not None:
                proof = verification.PASS
            else:
                notice, pass_token = texts.FORM_PASS_USED_UP, ""
        # unproved answers that would be stored, and wrong codes (so codes cannot be guessed at speed), count against
        # the client's limit; a form sent back for corrections does not
        limited = proof is None and (not errors or "_code" in errors)
        if limited and not verification.check_form(
            session, client=client_address(request), survey_id=survey.id, now=now, per_hour=per_hour
        ):
            return _with_cookie(_throttled(survey, verification.retry_after(now)), token)
        if errors:
            shown = {k: v for k, v in fields.items() if k in {q.id for q in survey.questions}}
            label = ""
            if proof == verification.PASS:
                found = verification.find_pass(session, survey_id=survey.id, token=pass_token, salt=salt, now=now)
                label = found.label if found is not None else ""
            verify = _verify_html(
                pass_token=pass_token if proof == verification.PASS else "",
                pass_label=label,
                code=code if found_code is not None else "",
                error=errors.get("_code"),
            )
            return _with_cookie(_form(survey, shown, errors, status=422, verify=verify, notice=notice), token)
        key, resident_id, how = _key(request, survey, token), None, verification.UNVERIFIED
        if found_code is not None:  # the answer becomes the resident's: one per resident, whichever channel
            key = respondent_key(salt, survey.id, f"resident:{found_code.resident_id}")
            resident_id, how = found_code.resident_id, verification.CODE
        elif proof == verification.PASS:
            if verification.use_pass(session, survey_id=survey.id, token=pass_token, salt=salt, now=now):
                how = verification.PASS
            else:  # used up by someone else a moment ago
                pass_token = ""
        stored = flow.submit(
            session,
            survey,
            answers,
            key=key,
            resident_id=resident_id,
            channel="web",
            source="web",
            now=now,
            verification=how,
        )
        if stored is not None and found_code is not None:
            found_code.used_at = now
        if stored is None and how == verification.PASS:
            verification.give_back_pass(session, survey_id=survey.id, token=pass_token, salt=salt)
    if stored is None:
        said = texts.FORM_CODE_USED_BY_CHAT if how == verification.CODE else texts.FORM_ALREADY
        page = _page(survey.title, f"<h1>{escape(survey.title)}</h1><p>{said}</p>", 409)
        return _with_cookie(page, token)
    page = _page(texts.FORM_THANKS_TITLE, f"<h1>{texts.FORM_THANKS_TITLE}</h1><p>{texts.THANKS}</p>")
    return _with_cookie(page, token)


@router.get("/api/indicators")
def get_indicators(
    request: Request,
    survey: Annotated[str, Query(max_length=32)] = "public",
    wave: Annotated[str | None, Query(max_length=32, description="批次；all = 全部；默认当前批次")] = None,
    by: Annotated[
        list[str] | None, Query(description="分组：township、age_band、identity、cell_type、channel、source、wave")
    ] = None,
) -> dict[str, Any]:
    """The three indicators with Wilson 95% intervals, verdicts and the method, as JSON."""
    found = _survey(request, survey)
    by = by or []
    unknown = [b for b in by if b not in GROUPABLE]
    if unknown:
        raise HTTPException(status_code=422, detail=f"不能按 {', '.join(unknown)} 分组（可选：{', '.join(GROUPABLE)}）")
    chosen = found.wave if wave is None else (None if wave == "all" else wave)
    with transaction(request.app.state.factory) as session:
        return report_cache.build(session, found, wave=chosen, by=by)
