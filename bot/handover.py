"""人工客服: a resident asks for a person (or the bot fails twice in a row), staff read and answer in the console.

The dialogue calls `handover_hook` before the knowledge answer (the request words) and `after_answer` after it
(the second unanswered question in a row opens a conversation and says so once for that streak; while one the resident
asked for is open, every answer but an acknowledgement says a person will reply). Staff replies go out through the resident's own channel within its rules (`send_reply`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.handover_models import OPEN, HandoverConversation, HandoverReply
from bot.models import ChatLog
from campaigns import binding
from knowledge.answer import Answer

if TYPE_CHECKING:
    from bot.dialogue import Turn

SOURCE = "handover"
UNANSWERED_GAP = dt.timedelta(minutes=30)  # two unanswered questions count as "in a row" within this time
QUESTION_LOOKBACK = dt.timedelta(minutes=30)  # the question a "转人工" is about: the resident's last one in this time
ANSWERED_INTENTS = ("sorting", "policy", "faq", "clarify", "unknown")  # intents of a real question in the chat log
_FILLER = re.compile(r"[\s\W_]+", re.UNICODE)
_REQUEST = re.compile(
    r"^(?:你好|您好)?(?:请|麻烦)?(?:帮我)?(?:我)?(?:要|想|需要|想要)?(?:转|找|接|联系|转接|呼叫)?(?:一下)?"
    r"(?:人工(?:客服|服务|坐席|回复)?|客服(?:人员)?|工作人员|真人(?:客服)?)(?:吧|呢|啊|呀|谢谢|可以吗)?$"
)

OPENED = "已为您转接人工客服，工作人员看到后会在这里回复您{hours}。在此期间您仍然可以继续问我垃圾分类的问题。"
ALREADY_OPEN = "已经为您转接人工客服了，工作人员看到后会在这里回复您{hours}，请耐心等待。"
OPENED_AFTER_UNANSWERED = "这个问题我连续两次没能回答，已为您转给工作人员，他们看到后会在这里回复您{hours}。"
WAITING_LINE = "（您的问题已转给工作人员，他们会在这里回复您。）"
HOURS = "（工作时间：{hours}）"
STAFF_PREFIX = "【工作人员回复】"
REASON_NAMES = {"asked": "居民要求转人工", "unanswered": "连续两次没能回答"}
CHANNEL_NAMES = {"web": "网页聊天", "wechat": "微信公众号", "telegram": "Telegram", "console": "命令行"}
NO_REPLY_CHANNEL = "这位居民是在命令行对话中留言的，无法在那里回复；请用其他方式联系。"
NOT_CONFIGURED = "{channel}未配置，回复没有发出。"


def is_request(text: str) -> bool:
    """True for "人工", "转人工", "找工作人员", "我要人工客服" … (the whole message, not "人工草坪怎么扔")."""
    cleaned = _FILLER.sub("", text or "")
    return 0 < len(cleaned) <= 16 and _REQUEST.match(cleaned) is not None


def _hours(office_hours: str) -> str:
    return HOURS.format(hours=office_hours.strip()) if office_hours.strip() else ""


# built once: building the statement on every message cost more than running it (bench/profile_chat.py)
_OPEN = select(HandoverConversation).where(
    HandoverConversation.resident_id == bindparam("resident_id"), HandoverConversation.status == OPEN
)


def open_for(session: Session, resident_id: int) -> HandoverConversation | None:
    """The resident's open conversation, if any."""
    return session.scalar(_OPEN, {"resident_id": resident_id})


def open_conversation(
    session: Session, *, resident_id: int, channel: str, external_id: str, reason: str, question: str, now: dt.datetime
) -> tuple[HandoverConversation, bool]:
    """Open a conversation for the resident, or return the open one (False); safe against two workers at once."""
    found = open_for(session, resident_id)
    if found is not None:
        return found, False
    row = HandoverConversation(
        resident_id=resident_id, channel=channel, external_id=external_id, reason=reason,
        question=question[:500], opened_at=now, last_message_at=now, status="open",
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the unique partial index: another worker opened it first
        again = open_for(session, resident_id)
        if again is None:
            raise
        return again, False
    return row, True


def _last_question(session: Session, resident_id: int, now: dt.datetime) -> str:
    """What the resident last asked (for the FAQ draft), within `QUESTION_LOOKBACK`."""
    text = session.scalar(
        select(ChatLog.text)
        .where(
            ChatLog.resident_id == resident_id,
            ChatLog.created_at >= now - QUESTION_LOOKBACK,
            ChatLog.intent.in_(ANSWERED_INTENTS),
        )
        .order_by(ChatLog.created_at.desc(), ChatLog.id.desc())
        .limit(1)
    )
    return text or ""


def handover_hook(turn: Turn) -> Answer | None:
    """ "人工" and its variants: open (or confirm) the resident's conversation with staff."""
    if turn.message.kind != "text" or not is_request(turn.text):
        return None
    hours = _hours(turn.settings.chat.office_hours)
    conversation, created = open_conversation(
        turn.session, resident_id=turn.resident_id, channel=turn.message.channel, external_id=turn.message.user_id,
        reason="asked", question=_last_question(turn.session, turn.resident_id, turn.now), now=turn.now,
    )  # fmt: skip
    if not created:
        _touch(conversation, turn)
        if conversation.reason == "unanswered":  # opened after two unknowns, now asked for: say so under each answer
            conversation.reason = "asked"
        return Answer("command", ALREADY_OPEN.format(hours=hours), 1.0, SOURCE)
    return Answer("command", OPENED.format(hours=hours), 1.0, SOURCE)


def _touch(conversation: HandoverConversation, turn: Turn) -> None:
    """The resident wrote again: the inbox sorts by it, and replies go to where they wrote last."""
    conversation.last_message_at = turn.now
    conversation.channel, conversation.external_id = turn.message.channel, turn.message.user_id


def after_answer(turn: Turn, answer: Answer) -> Answer:
    """The knowledge answer with at most one line about staff: when a second unknown in a row opens a conversation
    (or meets one open), that line once for the streak; while a conversation the resident asked for is open, the
    waiting line under each answer (not under "谢谢" or "好的")."""
    conversation = turn.open_handover()  # usually read with the resident (bot/sender.py)
    if conversation is not None:
        _touch(conversation, turn)
    if answer.intent == "unknown" and _unknown_streak(turn.session, turn.resident_id, turn.now) == 1:
        if conversation is None:
            open_conversation(
                turn.session, resident_id=turn.resident_id, channel=turn.message.channel,
                external_id=turn.message.user_id, reason="unanswered", question=turn.text, now=turn.now,
            )  # fmt: skip
        line = OPENED_AFTER_UNANSWERED.format(hours=_hours(turn.settings.chat.office_hours))
        return replace(answer, text=f"{answer.text}\n{line}")
    if conversation is not None and conversation.reason != "unanswered" and answer.intent != "smalltalk":
        return replace(answer, text=f"{answer.text}\n{WAITING_LINE}")
    return answer


def _unknown_streak(session: Session, resident_id: int, now: dt.datetime) -> int:
    """How many questions in a row right before this one the bot could not answer (0, 1 or 2: "two or more"), each
    within `UNANSWERED_GAP` of the next."""
    rows = session.execute(
        select(ChatLog.intent, ChatLog.created_at)
        .where(ChatLog.resident_id == resident_id)
        .order_by(ChatLog.created_at.desc(), ChatLog.id.desc())
        .limit(2)
    ).all()
    streak, after = 0, now
    for row in rows:
        if row.intent != "unknown" or after - row.created_at > UNANSWERED_GAP:
            break
        streak, after = streak + 1, row.created_at
    return streak


# -- the console's side ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of a conversation as staff read it."""

    at: dt.datetime
    who: str  # "resident" | "bot" | "staff"
    text: str
    note: str = ""  # e.g. a staff reply that did not go out, and why


def conversations(session: Session, *, status: str = "open", limit: int = 100) -> list[HandoverConversation]:
    """Conversations in `status`, the resident's latest message first."""
    return list(
        session.scalars(
            select(HandoverConversation)
            .where(HandoverConversation.status == status)
            .order_by(HandoverConversation.last_message_at.desc(), HandoverConversation.id.desc())
            .limit(limit)
        )
    )


INTENT_NOTES = {"unknown": "未能回答", "ratelimited": "发送过快，已提醒"}


def transcript(session: Session, conversation: HandoverConversation, *, limit: int = 50) -> list[Entry]:
    """The resident's latest messages (with the bot's answers, from the chat log) and the staff replies, oldest first."""
    logs = list(
        session.scalars(
            select(ChatLog)
            .where(ChatLog.resident_id == conversation.resident_id)
            .order_by(ChatLog.created_at.desc(), ChatLog.id.desc())
            .limit(limit)
        )
    )
    replies = list(
        session.scalars(
            select(HandoverReply)
            .where(HandoverReply.conversation_id == conversation.id)
            .order_by(HandoverReply.at.desc(), HandoverReply.id.desc())
            .limit(limit)
        )
    )
    entries: list[tuple[dt.datetime, int, Entry]] = []
    for row in logs:
        entries.append((row.created_at, 0, Entry(row.created_at, "resident", row.text)))
        if row.reply:
            entries.append(
                (row.created_at, 1, Entry(row.created_at, "bot", row.reply, INTENT_NOTES.get(row.intent, "")))
            )
        elif row.intent in INTENT_NOTES:
            entries.append((row.created_at, 1, Entry(row.created_at, "bot", "", INTENT_NOTES[row.intent])))
    for reply in replies:
        entries.append((reply.at, 2, Entry(reply.at, "staff", reply.text, "" if reply.sent else reply.result)))
    entries.sort(key=lambda e: (e[0], e[1]))
    return [entry for _, _, entry in entries][-limit:]


@dataclass(frozen=True)
class Delivery:
    """What became of a staff reply."""

    sent: bool
    message: str  # for the console, in Chinese


def record_reply(
    session: Session, conversation: HandoverConversation, *, staff: str, text: str, sent: bool, result: str,
    now: dt.datetime,
) -> HandoverReply:  # fmt: skip
    """Store a staff reply and its outcome; the first replier is assigned the conversation."""
    row = HandoverReply(conversation_id=conversation.id, staff=staff, text=text, at=now, sent=sent, result=result[:256])
    session.add(row)
    if conversation.assigned_to is None:
        conversation.assigned_to = staff
    return row


def close(session: Session, conversation: HandoverConversation, *, staff: str, now: dt.datetime) -> bool:
    """Close an open conversation (False if it was closed already)."""
    if conversation.status != "open":
        return False
    conversation.status, conversation.closed_at, conversation.closed_by = "closed", now, staff
    return True


MERGED = "合并居民"


def before_merge(session: Session, *, keep_id: int, drop_id: int, now: dt.datetime) -> None:
    """Call before `drop_id` becomes part of `keep_id`: of two open conversations the dropped one is closed, so the
    one-open-per-resident index lets both move to the kept resident (nothing is deleted)."""
    kept, dropped = open_for(session, keep_id), open_for(session, drop_id)
    if kept is None or dropped is None:
        return
    kept.last_message_at = max(kept.last_message_at, dropped.last_message_at)
    dropped.status, dropped.closed_at, dropped.closed_by = "closed", now, MERGED
    session.flush()


binding.BEFORE_MERGE.append(before_merge)


def faq_draft(conversation: HandoverConversation, replies: list[HandoverReply]) -> dict[str, Any]:
    """An FAQ entry made from the conversation: its question, the question's word as keyword, the last staff reply."""
    from knowledge.curation import suggest_word

    question = conversation.question.strip()
    word = suggest_word(question) if question else ""
    sent = [r.text for r in replies if r.sent]
    return {
        "key": f"inbox-{conversation.id}",
        "title": question[:128],
        "keywords": word,
        "answer": sent[-1] if sent else "",
    }


SENT = "已发送到居民的{channel}。"
NOT_SENT = "没有发出：{reason}"
MAYBE_SENT = "{channel}没有及时确认收到这条回复，它可能已经送达居民；为免重复，请不要再发同样的内容，可稍后向居民确认。"
WINDOW_CLOSED = (
    "微信只允许在居民最后一次发消息后48小时内用客服消息回复（最多5条）；这位居民的窗口已关闭，回复无法发出。"
    "请等居民再发消息后回复，或用电话等其他方式联系。"
)
WINDOW_OPEN = "微信客服消息窗口还剩约 {hours} 小时，还可发 {left} 条（居民再发消息会重新计算）。"


@dataclass(frozen=True)
class Window:
    """Whether a staff reply can reach a WeChat resident now, in words for the console."""

    open: bool
    text: str


def wechat_window(session: Session, openid: str, now: dt.datetime) -> Window:
    """The resident's 48-hour customer-service window as the console shows it (counted like the sender counts it)."""
    from bot.channels.wechat_api import MESSAGE_QUOTA, MESSAGE_WINDOW
    from bot.channels.wechat_models import WechatWindow

    row = session.get(WechatWindow, openid)
    if row is None or row.unfollowed_at is not None or row.message_at is None:
        return Window(False, WINDOW_CLOSED)
    left_time = row.message_at + MESSAGE_WINDOW - now
    left = MESSAGE_QUOTA - row.message_sent
    if left_time <= dt.timedelta(0) or left <= 0:
        return Window(False, WINDOW_CLOSED)
    hours = max(1, int(left_time.total_seconds() // 3600))
    return Window(True, WINDOW_OPEN.format(hours=hours, left=left))


def deliver(
    settings: Settings, factory: sessionmaker[Session], *, channel: str, external_id: str, text: str, now: dt.datetime
) -> Delivery:
    """Send a staff reply on the resident's channel within its rules (WeChat: 客服消息 inside the 48-hour window only)."""
    body = f"{STAFF_PREFIX}{text}"
    name = CHANNEL_NAMES.get(channel, channel)
    if channel == "web":
        from bot.channels.web_outbox import WebOutboxSender

        result = WebOutboxSender(factory).send(external_id, body, now=now)  # the open chat page fetches it
    elif channel == "wechat":
        from bot.channels.wechat_api import WechatSender
        from bot.channels.wechat_texts import REASON_NO_WINDOW

        sender = WechatSender(settings.wechat, factory)
        if not sender.configured:
            return Delivery(False, NOT_CONFIGURED.format(channel=name))
        result = sender.send_custom(external_id, body, now=now)  # never a template: a reply is not a notice
        if not result.ok and result.reason == REASON_NO_WINDOW:
            return Delivery(False, NOT_SENT.format(reason=WINDOW_CLOSED))
    elif channel == "telegram":
        from bot.channels.telegram_sender import TelegramSender

        if not settings.telegram.token:
            return Delivery(False, NOT_CONFIGURED.format(channel=name))
        telegram = TelegramSender(settings, factory)
        try:
            result = telegram.send(external_id, body, now=now)
        finally:
            telegram.close()
    else:
        return Delivery(False, NO_REPLY_CHANNEL)
    if result.ok:
        return Delivery(True, SENT.format(channel=name))
    if result.unconfirmed:  # the platform took it but never answered: "not sent" would invite a second copy
        return Delivery(False, MAYBE_SENT.format(channel=name))
    return Delivery(False, NOT_SENT.format(reason=result.reason or "未知原因"))
