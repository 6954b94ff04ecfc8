"""What every handler shares: the fact base (reloadable), the question log, the moderators."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, cast

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.conversation import Conversations
from bot.flood import FloodGuard, Verdict
from bot.reloading import KnowledgeHolder
from bot.replies import Answerer
from bot.storage import QuestionLog

SERVICES = "services"

Context = ContextTypes.DEFAULT_TYPE
App = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class Services:
    """What the handlers share, kept in the application's `bot_data`."""

    holder: KnowledgeHolder
    question_log: QuestionLog | None = None
    moderators: frozenset[int] = frozenset()
    reload_interval: float = 0.0
    flood: FloodGuard = field(default_factory=lambda: FloodGuard(limit=0))
    # What each conversation was last about, so that a follow-up is read in its light.
    conversations: Conversations = field(default_factory=Conversations)
    watcher: asyncio.Task[None] | None = field(default=None, repr=False)


def services_of(context: Context) -> Services:
    """The services of the running application."""
    return services_in(context.application)


def services_in(application: App) -> Services:
    """The services an application was built with."""
    return cast(Services, application.bot_data[SERVICES])


def answerer_of(context: Context) -> Answerer:
    """The core in use; a reload swaps it in one assignment, so read it once per update."""
    return services_of(context).holder.answerer


def is_moderator(update: Update, context: Context) -> bool:
    """Whether the user behind an update is one of BOT_MODERATORS."""
    user = update.effective_user
    return user is not None and user.id in services_of(context).moderators


def flood_verdict(update: Update, context: Context) -> Verdict:
    """Whether this user's message is within their rate (moderators always are)."""
    user = update.effective_user
    if user is None or is_moderator(update, context):
        return Verdict.ALLOW
    return services_of(context).flood.check(user.id)
