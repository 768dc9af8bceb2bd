"""Platform webhooks: WeChat (/wechat) and Telegram (/telegram/webhook)."""
