"""Imports every table module so Base.metadata is complete (for Alembic and tests)."""

from bot import handover_models
from bot import models as bot_models
from bot.admin import models as admin_models
from bot.channels import telegram_models, wechat_models
from bot.db import Base
from campaigns import models as campaign_models
from knowledge import models as knowledge_models
from knowledge import plan_models
from surveys import models as survey_models

__all__ = [
    "Base",
    "admin_models",
    "bot_models",
    "campaign_models",
    "handover_models",
    "knowledge_models",
    "plan_models",
    "survey_models",
    "telegram_models",
    "wechat_models",
]
