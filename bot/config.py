"""Settings from the environment (prefix WUFEI_, nested with "__"), built lazily by get_settings().

Precedence, highest first: the real environment, then the `.env` file (in the working directory, or the file named by
WUFEI_ENV_FILE; WUFEI_ENV_FILE="" reads none), then the defaults below.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SurveySettings(BaseModel):
    """Surveys: the salt of respondent keys, when an unfinished chat survey expires, extra questionnaires."""

    salt: str = ""  # secret for the one-way respondent keys; empty = a random one kept in data_dir/survey.salt
    expire_hours: float = 72.0
    extra_dir: Path | None = None  # more questionnaire YAML files (same id + higher version replaces the shipped one)
    weights_file: Path | None = None  # population margins for `wufei indicators --weighted`
    base_url: str = ""  # public address of this server, e.g. https://wufei.example.cn, for /s/<token> links in pushes
    link_days: float = 30.0  # a personal survey link works this many days after the push that carried it
    link_survey: str = "public"  # the survey a {问卷链接} placeholder in campaign text links to
    form_per_hour: int = 10  # unproved posts one client address may make to one web form per hour (0 = no limit)
    code_channels: list[str] = ["wechat", "telegram"]  # channels whose residents may ask for a 问卷验证码


class WechatSettings(BaseModel):
    """The WeChat Official Account channel (WUFEI_WECHAT__*); without a token the channel is off."""

    token: SecretStr = SecretStr("")  # the 令牌 set in 公众号后台 → 基本配置 → 服务器配置
    app_id: str = ""
    app_secret: SecretStr = SecretStr("")  # needed for the customer-service API (late replies, pushes)
    encoding_aes_key: SecretStr = SecretStr("")  # 43 characters; needed for 兼容/安全 mode
    mode: Literal["auto", "plaintext", "compatible", "safe"] = "auto"  # safe: encrypted only; auto: safe if a key
    api_base_url: str = "https://api.weixin.qq.com/cgi-bin/"
    path: str = "/wechat"
    timestamp_window_seconds: int = 300  # refuse signed requests older/newer than this; 0 = no check
    reply_timeout_seconds: float = 3.0  # after this, reply "success" and send the answer via the customer-service API
    # a 客服/模板/订阅通知 send answered later than this is recorded as unconfirmed and never resent (it may have arrived)
    send_timeout_seconds: float = 30.0  # how long one push may take to answer; later = unconfirmed, not resent
    max_text_bytes: int = 2000  # WeChat accepts 2048 bytes of UTF-8 per text message
    menu_texts: dict[str, str] = {
        "HELP": "帮助", "SURVEY": "问卷", "SUBSCRIBE": "订阅", "UNSUBSCRIBE": "退订",
    }  # a menu CLICK key → the text it stands for (SORT has its own reply)  # fmt: skip
    menu: list[dict[str, Any]] = [
        {"type": "click", "name": "分类查询", "key": "SORT"},
        {"type": "click", "name": "参与调查", "key": "SURVEY"},
        {"name": "更多", "sub_button": [
            {"type": "click", "name": "订阅宣传", "key": "SUBSCRIBE"},
            {"type": "click", "name": "退订宣传", "key": "UNSUBSCRIBE"},
            {"type": "click", "name": "帮助", "key": "HELP"},
        ]},
    ]  # the custom menu `wufei wechat menu` pushes (WeChat's `button` list)  # fmt: skip
    account_type: Literal["subscription", "service"] = "service"  # 订阅号 or (verified) 服务号
    mass_quota: int = 0  # 群发 per period; 0 = WeChat's: 订阅号 1 per day, 服务号 4 per month
    subscribe_template_id: str = ""  # 订阅通知 template used outside the 客服 window when a campaign has no 模板消息
    subscribe_fields: dict[str, str] = {"thing1": "{text}", "time2": "{date}"}  # its fields; {text} {date} filled in
    subscribe_page: str = ""  # optional page opened from the 订阅通知
    qrcode_image_url: str = "https://mp.weixin.qq.com/cgi-bin/showqrcode"  # where a QR ticket's PNG is downloaded


class TelegramSettings(BaseModel):
    """Telegram: the bot token (none = channel off), the Bot API address, the webhook secret and push limits."""

    token: str | None = None
    base_url: str = "https://api.telegram.org/bot"
    webhook_secret: str | None = None  # checked against X-Telegram-Bot-Api-Secret-Token; webhook refused without it
    per_second: int = 30  # messages per second over all chats, all processes
    per_chat_seconds: float = 1.0  # at least this long between two messages to one chat
    group_per_minute: int = 20  # messages per minute to one group
    margin_seconds: float = 0.1  # added to each window, so network jitter cannot push us over Telegram's limits
    max_wait_seconds: float = 5.0  # a push waits this long for a free slot; longer waits go back to the caller
    # an answer later than this is recorded as unconfirmed and never retried (Telegram may have delivered it)
    send_timeout_seconds: float = 30.0  # how long a sendMessage may take to answer; later = unconfirmed, not resent


class CampaignSettings(BaseModel):
    """Campaign pushes (WUFEI_CAMPAIGNS__*): quiet hours, misfire grace, the sender loop and its limits."""

    quiet_hours: str = "21:30-08:00"  # Asia/Shanghai; "off" or "" = none
    consent: Literal["opt_out", "opt_in"] = "opt_out"  # opt_out: following or /start = consent; opt_in: after 订阅
    misfire_grace_minutes: int = 120  # a 09:00 push may still go until 11:00, else it is marked missed
    scheduler: bool = True  # run the tick job inside `wufei serve`
    tick_seconds: float = 5.0
    batch_size: int = 100  # ledger rows claimed at a time
    lease_seconds: int = 15  # a claim not renewed for this long (its process died) is handed back; renewed every third
    max_attempts: int = 5
    pause_after_failures: int = 20  # consecutive failed sends that pause a campaign
    rates: dict[str, float] = {"web": 500.0, "wechat": 50.0, "telegram": 25.0}  # sends per second per process
    staff: list[str] = []  # "channel:external_id" identities that receive test sends
    link_guesses_per_minute: int = 20  # unknown /l/ tokens per client address a minute, then 429s; 0 = off
    cell_types: list[str] = [
        "机关", "企业", "村镇", "社区", "酒店", "集贸市场", "商超", "学校", "医院", "公园", "景区", "快递网点",
        "加油站", "汽车站", "4S店", "地铁站",
    ]  # fmt: skip


class ChatSettings(BaseModel):
    """Chat abuse limits (WUFEI_CHAT__*), counted per resident and per web client over all server processes."""

    rate_per_minute: int = 30  # answers per resident per minute, then one polite notice, then silence; 0 = off
    client_rate_per_minute: int = 120  # web chat messages per client address a minute, then a notice, 429; 0 = off
    office_hours: str = ""  # told to a resident handed to staff (人工客服), e.g. "工作日 9:00-17:00"; "" = none


class Settings(BaseSettings):
    """All runtime configuration of the bot."""

    model_config = SettingsConfigDict(env_prefix="WUFEI_", env_nested_delimiter="__", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    trusted_proxies: str = "127.0.0.1,::1"  # proxies whose X-Forwarded-For/-Proto `wufei serve` believes; "" = none
    data_dir: Path = Path("data")
    database_url: str | None = None
    sqlite_synchronous: Literal["normal", "full"] = "normal"  # full survives power loss (slower), normal may not
    default_city: str | None = None  # None: plan questions show every loaded city's figure
    default_area: Literal["urban", "rural"] = "urban"
    timezone: str = "Asia/Shanghai"
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one JSON object per line, for log collectors
    max_message_chars: int = 500
    public_metrics: bool = False  # /metrics for everyone; false = only direct requests from this machine (or the token)
    metrics_token: SecretStr = SecretStr("")  # a scraper sending "Authorization: Bearer <token>" may read /metrics
    public_docs: bool = False  # /docs, /redoc and /openapi.json for everyone; false = only from this machine
    public_indicators: bool = False  # GET /api/indicators for everyone; false = only from this machine
    surveys: SurveySettings = SurveySettings()
    telegram: TelegramSettings = TelegramSettings()
    wechat: WechatSettings = WechatSettings()
    campaigns: CampaignSettings = CampaignSettings()
    chat: ChatSettings = ChatSettings()

    @property
    def db_url(self) -> str:
        """The database URL; SQLite in the data folder unless WUFEI_DATABASE_URL is set."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'wufei.db').as_posix()}"


ENV_FILE_VARIABLE = "WUFEI_ENV_FILE"
DEFAULT_ENV_FILE = ".env"


def env_file(environ: dict[str, str] | os._Environ[str] | None = None) -> Path | None:
    """The .env file to read: WUFEI_ENV_FILE (must exist; "" = none), else ./.env when it exists."""
    environ = os.environ if environ is None else environ
    named = environ.get(ENV_FILE_VARIABLE)
    if named is None:
        default = Path(DEFAULT_ENV_FILE)
        return default if default.is_file() else None
    if not named.strip():
        return None
    path = Path(named).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{ENV_FILE_VARIABLE} 指向的配置文件不存在：{path}")
    return path


def load_settings() -> Settings:
    """Settings from the environment over the .env file over the defaults."""
    return Settings(_env_file=env_file(), _env_file_encoding="utf-8")  # type: ignore[call-arg]


def settings_problem(exc: Exception) -> str:
    """A one-line reason for bad settings: which WUFEI_ variable and what is wrong (no stack trace)."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    parts = []
    for error in errors():
        name = "WUFEI_" + "__".join(str(p) for p in error.get("loc", ())).upper()
        parts.append(f"{name}={error.get('input')!r}：{error.get('msg')}")
    return "；".join(parts)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment and the .env file."""
    return load_settings()
