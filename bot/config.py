"""Settings, read once from the environment and checked, so a bad one stops the bot at start."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
TELEGRAM_API_URL = "https://api.telegram.org/bot"
# Telegram lets a bot send about 30 messages a second; more are refused with 429 RetryAfter.
TELEGRAM_RATE_LIMIT = 30.0
_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
# Telegram allows 1-256 of these characters in a webhook secret token.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


# Every environment variable the bot reads.
VARIABLES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_URL",
    "BOT_KNOWLEDGE_DIR",
    "BOT_MODERATORS",
    "BOT_RATE_LIMIT",
    "BOT_CONCURRENT_UPDATES",
    "BOT_WEBHOOK_URL",
    "BOT_WEBHOOK_SECRET",
    "BOT_WEBHOOK_LISTEN",
    "BOT_WEBHOOK_PORT",
    "BOT_WEBHOOK_PATH",
    "BOT_DATABASE",
    "BOT_OVERLAY",
    "BOT_RELOAD_INTERVAL",
    "BOT_FLOOD_LIMIT",
    "BOT_CONTEXT_MINUTES",
    "BOT_HASH_KEY",
    "BOT_HASH_KEY_FILE",
)
OVERLAY = "overlay.yaml"
HASH_KEY_LEAST = 16  # characters of BOT_HASH_KEY


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one sentence saying which and how."""


def knowledge_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The fact base folder: BOT_KNOWLEDGE_DIR when set, else the project's knowledge/."""
    env = os.environ if environ is None else environ
    configured = env.get("BOT_KNOWLEDGE_DIR", "").strip()
    return Path(configured).expanduser() if configured else PROJECT_KNOWLEDGE


def database_path(environ: Mapping[str, str] | None = None) -> Path:
    """The question log: BOT_DATABASE when set, else data/questions.sqlite3 here."""
    env = os.environ if environ is None else environ
    configured = env.get("BOT_DATABASE", "").strip()
    return (
        Path(configured).expanduser() if configured else Path.cwd() / "data" / "questions.sqlite3"
    )


def overlay_path(environ: Mapping[str, str] | None = None) -> Path:
    """The moderators' overlay: BOT_OVERLAY when set, else overlay.yaml beside the question log
    (on the data volume, so that it outlives the image)."""
    env = os.environ if environ is None else environ
    configured = env.get("BOT_OVERLAY", "").strip()
    return Path(configured).expanduser() if configured else database_path(env).parent / OVERLAY


def context_minutes(environ: Mapping[str, str] | None = None) -> float:
    """How long a conversation's context lasts after its last question: BOT_CONTEXT_MINUTES,
    else 10 minutes; raise ConfigError when it is malformed."""
    env = os.environ if environ is None else environ
    return _number(lambda name: env.get(name, "").strip(), "BOT_CONTEXT_MINUTES", 10.0)


@dataclass(frozen=True)
class Webhook:
    """Where the webhook server listens and the address Telegram posts to."""

    url: str
    secret: str
    listen: str
    port: int
    path: str


@dataclass(frozen=True)
class Settings:
    """What the bot is configured with."""

    knowledge: Path
    token: str | None = None
    api_url: str = TELEGRAM_API_URL
    moderators: frozenset[int] = frozenset()
    webhook: Webhook | None = None
    rate_limit: float = TELEGRAM_RATE_LIMIT
    concurrent_updates: int = 8
    database: Path = field(default_factory=lambda: database_path({}))
    reload_interval: float = 5.0
    flood_limit: int = 20
    context_minutes: float = 10.0
    # The key user ids are hashed with, or the file holding it (bot.storage.hashing).
    hash_key: str | None = field(default=None, repr=False)
    hash_key_file: Path | None = None
    overlay: Path | None = None  # None: overlay.yaml beside the database

    @property
    def overlay_file(self) -> Path:
        """The moderators' overlay file."""
        return self.overlay if self.overlay is not None else self.database.parent / OVERLAY

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and check the settings; raise ConfigError naming the first bad one."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str:
            return env.get(name, "").strip()

        token = get("TELEGRAM_BOT_TOKEN") or None
        if token is not None and not _TOKEN.match(token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then "
                "letters); copy it again from @BotFather."
            )
        api_url = get("TELEGRAM_API_URL") or TELEGRAM_API_URL
        if not _http_address(api_url):
            raise ConfigError(
                f"TELEGRAM_API_URL must be an http(s) address such as {TELEGRAM_API_URL}."
            )
        hash_key = get("BOT_HASH_KEY") or None
        hash_key_file = get("BOT_HASH_KEY_FILE") or None
        if hash_key is not None and hash_key_file is not None:
            raise ConfigError(
                "Set BOT_HASH_KEY or BOT_HASH_KEY_FILE, not both: they are two ways to give the "
                "one key user ids are hashed with."
            )
        if hash_key is not None and len(hash_key) < HASH_KEY_LEAST:
            raise ConfigError(
                f"BOT_HASH_KEY must be at least {HASH_KEY_LEAST} characters; make one with "
                "python -c 'import secrets; print(secrets.token_hex(32))'."
            )
        return cls(
            knowledge=knowledge_dir(env),
            token=token,
            api_url=api_url,
            moderators=_moderators(get("BOT_MODERATORS")),
            webhook=_webhook(get) if get("BOT_WEBHOOK_URL") else None,
            rate_limit=_number(get, "BOT_RATE_LIMIT", TELEGRAM_RATE_LIMIT),
            concurrent_updates=int(_number(get, "BOT_CONCURRENT_UPDATES", 8, whole=True)),
            database=database_path(env),
            overlay=overlay_path(env) if get("BOT_OVERLAY") else None,
            reload_interval=_number(get, "BOT_RELOAD_INTERVAL", 5.0),
            flood_limit=int(_number(get, "BOT_FLOOD_LIMIT", 20, whole=True, zero=True)),
            context_minutes=context_minutes(env),
            hash_key=hash_key,
            hash_key_file=None if hash_key_file is None else Path(hash_key_file).expanduser(),
        )

    def require_webhook(self) -> Webhook:
        """The webhook settings, which `run --webhook` needs."""
        if self.webhook is None:
            raise ConfigError("run --webhook needs BOT_WEBHOOK_URL, the public https address.")
        return self.webhook


def _moderators(raw: str) -> frozenset[int]:
    ids = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError(
                f"BOT_MODERATORS must be Telegram user ids separated by commas; {part!r} is not."
            )
        ids.add(int(part))
    return frozenset(ids)


def _webhook(get: Callable[[str], str]) -> Webhook:
    url = get("BOT_WEBHOOK_URL")
    if not _http_address(url):
        raise ConfigError("BOT_WEBHOOK_URL must be the public https address Telegram posts to.")
    secret = get("BOT_WEBHOOK_SECRET")
    if not _SECRET.match(secret):
        raise ConfigError(
            "BOT_WEBHOOK_SECRET must be set to 1-256 letters, digits, '_' or '-', so that only "
            "Telegram can post updates."
        )
    port_text = get("BOT_WEBHOOK_PORT") or "8443"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"BOT_WEBHOOK_PORT must be a port number, not {port_text!r}.")
    path = get("BOT_WEBHOOK_PATH") or urlsplit(url).path.strip("/") or "telegram"
    return Webhook(
        url=url,
        secret=secret,
        # Loopback unless told otherwise: the TLS proxy in front is the public face.
        listen=get("BOT_WEBHOOK_LISTEN") or "127.0.0.1",
        port=int(port_text),
        path=path.strip("/"),
    )


def _http_address(url: str) -> bool:
    """Whether `url` is a well-formed http(s) address with a host."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:  # an unclosed "[", a host in brackets that is no IPv6 address, ...
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _number(
    get: Callable[[str], str], name: str, default: float, whole: bool = False, zero: bool = False
) -> float:
    raw = get(name)
    if not raw:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"{name} must be {kind}, not {raw!r}.") from None
    least = 0 if zero or not whole else 1
    if not math.isfinite(value) or value < least:
        raise ConfigError(f"{name} must be {least} or more, not {raw!r}.")
    return value
