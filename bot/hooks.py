"""Chat steps that run before the knowledge answer (surveys in progress, subscribe/unsubscribe, onboarding …).

A hook takes the `Turn` and returns an `Answer` to reply with, or None to let the next step try. Features
register theirs here, in the order they should be tried; keep each hook cheap when it does not apply.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.dialogue import Turn
    from knowledge.answer import Answer

Hook = Callable[["Turn"], "Answer | None"]


def before_knowledge() -> list[Hook]:
    """The hooks, in order (a new list each time; the imports run once, not on every message)."""
    return list(_hooks())


@cache
def _hooks() -> tuple[Hook, ...]:
    """The hooks (imported here, not at module level, to keep import cycles away)."""
    from bot.handover import handover_hook
    from bot.onboarding import onboarding_hook
    from campaigns.bind_chat import binding_hook
    from campaigns.chat import subscription_hook
    from surveys.chat import survey_hook

    return (
        handover_hook,  # 0. 人工客服: "人工", "转人工", "找工作人员" … always reach a person, even mid-survey
        survey_hook,  # 1. surveys: a survey in progress or a survey keyword
        binding_hook,  # 2. 绑定: a one-time code, or a code from another channel that merges the two residents
        subscription_hook,  # 2. campaigns: 订阅/退订/TD and joins by QR code or deep link (a silent join returns None)
        onboarding_hook,  # 3. welcome and profile questions on subscribe/start, "设置"
    )
