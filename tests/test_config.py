"""Settings from the environment: good values read, a bad one stopped with one clear sentence."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import (
    PROJECT_KNOWLEDGE,
    TELEGRAM_API_URL,
    TELEGRAM_RATE_LIMIT,
    VARIABLES,
    ConfigError,
    Settings,
    Webhook,
    overlay_path,
)

ROOT = Path(__file__).resolve().parent.parent
GOOD_TOKEN = "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"  # noqa: S105 - made up
WEBHOOK = {"BOT_WEBHOOK_URL": "https://bot.example.org/tg/hook", "BOT_WEBHOOK_SECRET": "s3cret"}
MALFORMED_MESSAGE = (
    "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then letters); copy it "
    "again from @BotFather."
)


def config_error(environ: dict[str, str]) -> str:
    """The message Settings.from_env stops with, checked to be one sentence."""
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(environ)
    message = str(raised.value)
    assert message.endswith("."), message
    assert "\n" not in message
    # One sentence: no full stop followed by a new sentence inside it.
    assert not re.search(r"[.!?]\s+[A-Z]", message[:-1]), message
    assert message[0].isupper(), message
    return message


def test_defaults_without_any_setting() -> None:
    settings = Settings.from_env({})
    assert settings == Settings(knowledge=PROJECT_KNOWLEDGE)
    assert settings.token is None
    assert settings.api_url == TELEGRAM_API_URL
    assert settings.rate_limit == TELEGRAM_RATE_LIMIT
    assert settings.concurrent_updates == 8
    assert settings.webhook is None
    assert settings.moderators == frozenset()


def test_every_setting_read(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": f"  {GOOD_TOKEN} ",
            "TELEGRAM_API_URL": "http://127.0.0.1:8081/bot",
            "BOT_MODERATORS": " 12, -34,,56 ",
            "BOT_RATE_LIMIT": "0",
            "BOT_CONCURRENT_UPDATES": "4",
            "BOT_KNOWLEDGE_DIR": str(tmp_path),
            **WEBHOOK,
            "BOT_WEBHOOK_PORT": "8080",
            "BOT_WEBHOOK_LISTEN": "0.0.0.0",  # noqa: S104 - a test value
        }
    )
    assert settings.token == GOOD_TOKEN
    assert settings.api_url == "http://127.0.0.1:8081/bot"
    assert settings.moderators == frozenset({12, -34, 56})
    assert settings.rate_limit == 0
    assert settings.concurrent_updates == 4
    assert settings.knowledge == tmp_path
    assert settings.webhook == Webhook(
        url="https://bot.example.org/tg/hook",
        secret="s3cret",  # noqa: S106 - a test value
        listen="0.0.0.0",  # noqa: S104 - a test value
        port=8080,
        path="tg/hook",
    )
    assert settings.require_webhook() is settings.webhook


def test_webhook_defaults() -> None:
    hook = Settings.from_env(
        {"BOT_WEBHOOK_URL": "https://bot.example.org", "BOT_WEBHOOK_SECRET": "x"}
    ).require_webhook()
    # Loopback: the TLS proxy in front is the public face, never the bot's own server.
    assert (hook.listen, hook.port, hook.path) == ("127.0.0.1", 8443, "telegram")
    custom = Settings.from_env({**WEBHOOK, "BOT_WEBHOOK_PATH": "/other/"}).require_webhook()
    assert custom.path == "other"


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "123456",
        "123456:",
        "12:AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "123456:short",
        "123456:AAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAA",
        "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!",
        "bot123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nX",
    ],
)
def test_malformed_token(token: str) -> None:
    message = config_error({"TELEGRAM_BOT_TOKEN": token})
    assert message == MALFORMED_MESSAGE
    assert token.strip() not in message  # a secret is never echoed


def test_blank_token_means_no_token() -> None:
    assert Settings.from_env({"TELEGRAM_BOT_TOKEN": "   "}).token is None


@pytest.mark.parametrize(
    "url",
    [
        "api.telegram.org/bot",
        "ftp://api.telegram.org/bot",
        "http://",
        "https:///bot",
        "x",
        "http://[::1/bot",
        "http://::1]/bot",
        "http://[not-an-address]/bot",
        "http://127.0.0.1:port/bot",
    ],
)
def test_bad_api_url(url: str) -> None:
    message = config_error({"TELEGRAM_API_URL": url})
    assert message.startswith("TELEGRAM_API_URL must be an http(s) address")


def test_an_ipv6_api_url_is_accepted() -> None:
    url = "http://[::1]:8081/bot"
    assert Settings.from_env({"TELEGRAM_API_URL": url}).api_url == url


@pytest.mark.parametrize("moderators", ["12,abc", "12;34", "1.5", "@someone", "12 34"])
def test_bad_moderators(moderators: str) -> None:
    message = config_error({"BOT_MODERATORS": moderators})
    assert message.startswith("BOT_MODERATORS must be Telegram user ids separated by commas")


def test_webhook_without_a_secret() -> None:
    message = config_error({"BOT_WEBHOOK_URL": "https://bot.example.org/hook"})
    assert message.startswith("BOT_WEBHOOK_SECRET must be set")


@pytest.mark.parametrize("secret", ["has space", "x" * 257, "semi;colon", "é"])
def test_webhook_with_a_malformed_secret(secret: str) -> None:
    message = config_error({**WEBHOOK, "BOT_WEBHOOK_SECRET": secret})
    assert message.startswith("BOT_WEBHOOK_SECRET must be set")
    assert secret not in message


@pytest.mark.parametrize(
    "url", ["bot.example.org/hook", "tcp://bot.example.org", "https://[::1/hook"]
)
def test_bad_webhook_url(url: str) -> None:
    message = config_error({**WEBHOOK, "BOT_WEBHOOK_URL": url})
    assert message.startswith("BOT_WEBHOOK_URL must be")


@pytest.mark.parametrize("port", ["0", "65536", "-1", "https", "80a", "8.0"])
def test_bad_webhook_port(port: str) -> None:
    message = config_error({**WEBHOOK, "BOT_WEBHOOK_PORT": port})
    assert message == f"BOT_WEBHOOK_PORT must be a port number, not {port!r}."


@pytest.mark.parametrize("rate", ["fast", "1,5", "-1", "0x10", "1/s"])
def test_bad_rate_limit(rate: str) -> None:
    message = config_error({"BOT_RATE_LIMIT": rate})
    assert message.startswith("BOT_RATE_LIMIT must be")
    assert repr(rate) in message


@pytest.mark.parametrize("rate", ["nan", "NaN"])
def test_rate_limit_not_a_number(rate: str) -> None:
    config_error({"BOT_RATE_LIMIT": rate})


def test_rate_limit_accepts_decimals() -> None:
    assert Settings.from_env({"BOT_RATE_LIMIT": "12.5"}).rate_limit == 12.5


@pytest.mark.parametrize("count", ["0", "-3", "2.5", "many"])
def test_bad_concurrent_updates(count: str) -> None:
    message = config_error({"BOT_CONCURRENT_UPDATES": count})
    assert message.startswith("BOT_CONCURRENT_UPDATES must be")


def test_run_webhook_needs_the_webhook_settings() -> None:
    with pytest.raises(ConfigError, match="BOT_WEBHOOK_URL"):
        Settings(knowledge=PROJECT_KNOWLEDGE, token=GOOD_TOKEN).require_webhook()


# --- the command line stops on them ---------------------------------------------------------


def run_bot(*argv: str, **environ: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGV` with only the given settings."""
    env = {key: value for key, value in os.environ.items() if key not in VARIABLES}
    env.update(environ, PYTHONUTF8="1")
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_run_with_a_malformed_token_exits_2_with_one_sentence() -> None:
    token = "123456:not a token"  # noqa: S105 - malformed on purpose
    done = run_bot("run", TELEGRAM_BOT_TOKEN=token)
    assert done.returncode == 2
    assert done.stderr == MALFORMED_MESSAGE + "\n"
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert token not in done.stderr


@pytest.mark.parametrize(
    ("argv", "environ", "start"),
    [
        (("run", "--webhook"), {"TELEGRAM_BOT_TOKEN": GOOD_TOKEN}, "run --webhook needs"),
        (("run", "--webhook"), {}, "run --webhook needs TELEGRAM_BOT_TOKEN"),
        (("run",), {"BOT_RATE_LIMIT": "fast"}, "BOT_RATE_LIMIT must be"),
        (("run",), {"TELEGRAM_API_URL": "localhost:8081"}, "TELEGRAM_API_URL must be"),
        (("run",), {"TELEGRAM_API_URL": "http://[::1/bot"}, "TELEGRAM_API_URL must be"),
    ],
)
def test_run_stops_on_bad_settings(
    argv: tuple[str, ...], environ: dict[str, str], start: str
) -> None:
    done = run_bot(*argv, **environ)
    assert done.returncode == 2
    assert done.stderr.startswith(start)
    assert len(done.stderr.splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_flood_limit_may_be_zero_but_not_negative() -> None:
    assert Settings.from_env({"BOT_FLOOD_LIMIT": "0"}).flood_limit == 0
    assert Settings.from_env({}).flood_limit == 20
    with pytest.raises(ConfigError, match="BOT_FLOOD_LIMIT must be 0 or more"):
        Settings.from_env({"BOT_FLOOD_LIMIT": "-1"})


def test_context_minutes_default_ten_zero_turns_it_off() -> None:
    assert Settings.from_env({}).context_minutes == 10.0
    assert Settings.from_env({"BOT_CONTEXT_MINUTES": "2.5"}).context_minutes == 2.5
    assert Settings.from_env({"BOT_CONTEXT_MINUTES": "0"}).context_minutes == 0.0
    with pytest.raises(ConfigError, match="BOT_CONTEXT_MINUTES"):
        Settings.from_env({"BOT_CONTEXT_MINUTES": "-1"})


def test_the_overlay_lives_beside_the_database_unless_set(tmp_path: Path) -> None:
    database = tmp_path / "data" / "questions.sqlite3"
    settings = Settings.from_env({"BOT_DATABASE": str(database)})
    assert settings.overlay_file == tmp_path / "data" / "overlay.yaml"
    assert overlay_path({"BOT_DATABASE": str(database)}) == settings.overlay_file
    chosen = tmp_path / "elsewhere.yaml"
    assert Settings.from_env({"BOT_OVERLAY": str(chosen)}).overlay_file == chosen
    assert overlay_path({"BOT_OVERLAY": str(chosen)}) == chosen
