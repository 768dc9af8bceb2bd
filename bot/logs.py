"""Process logging: plain text or one JSON object per line (WUFEI_LOG_FORMAT=json), for `wufei` and uvicorn alike.

uvicorn is started with `log_config=None`, so its loggers ("uvicorn.error", "uvicorn.access") propagate to the root
handler installed here and come out in the same format. APScheduler's per-run lines ("Running job …", "… executed
successfully"), two every 5 seconds, are shown only at DEBUG; the events worth a line (a campaign batch, a scheduler
election, a tick that started runs) are logged at INFO by our own code.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any, TextIO

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# the attributes every LogRecord has; anything else was passed with `extra=` and goes into the JSON object
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
_JOB_RUN_LOGGERS = ("apscheduler.executors.default", "apscheduler.executors")
_JOB_RUN_PHRASES = ("Running job ", "executed successfully")


class JsonFormatter(logging.Formatter):
    """One line per record: {"time", "level", "logger", "message", extra fields…, "exc_info"}."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON object on one line (UTF-8 text kept readable)."""
        data: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value if isinstance(value, str | int | float | bool | type(None)) else repr(value)
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False)


class JobRunsAtDebug(logging.Filter):
    """APScheduler's "Running job"/"executed successfully" lines become DEBUG (dropped unless DEBUG is on)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Demote the per-run lines; keep everything else (misfires, errors) as it is."""
        if record.levelno != logging.INFO or not any(p in record.getMessage() for p in _JOB_RUN_PHRASES):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)


class _OurHandler(logging.StreamHandler):
    """The root handler `configure` installs (so a second call replaces it and leaves others alone)."""


def configure(level: str = "INFO", fmt: str = "text", *, stream: TextIO | None = None, force: bool = False) -> None:
    """Install one root handler in the chosen format and quiet the noisy loggers.

    Like logging.basicConfig: when the root logger already has handlers that are not ours (an embedding program,
    pytest), they are left as they are unless `force` is given.
    """
    root = logging.getLogger()
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its per-command context lines are noise in a CLI
    quiet_job_runs()
    foreign = [h for h in root.handlers if not isinstance(h, _OurHandler)]
    if foreign and not force:
        return
    for old in list(root.handlers):
        if isinstance(old, _OurHandler) or force:
            root.removeHandler(old)
    handler = _OurHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level.upper())


def quiet_job_runs() -> None:
    """Attach the DEBUG demotion to APScheduler's executor loggers once (idempotent)."""
    for name in _JOB_RUN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, JobRunsAtDebug) for f in logger.filters):
            logger.addFilter(JobRunsAtDebug())
