"""Conversations: what each one was last about, kept a while, and questions read in its light.

A conversation is anything with a key: a private chat, a member's thread in a group, the
terminal. For each, the store keeps the last question as it was read, the fact it got and the
entities it named, for `minutes` after the last question, and for at most `limit` conversations:
the least recently used is dropped first, so memory stays flat however many people talk.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace

from bot.followups import Context, Reading, read_followup
from bot.matching import Outcome
from bot.replies import Answerer, Reply

DEFAULT_MINUTES = 10.0
DEFAULT_LIMIT = 10_000


def chat_key(chat_id: int, user_id: int | None, private: bool) -> Hashable:
    """The conversation a message belongs to: a private chat is one; in a group, each member's
    thread is their own."""
    return ("chat", chat_id) if private or user_id is None else ("chat", chat_id, user_id)


def answer_key(chat_id: int, message_id: int) -> Hashable:
    """The conversation of one of the bot's answers: a reply to it is read in its context."""
    return ("answer", chat_id, message_id)


class ContextStore:
    """The context of each conversation, for a limited time and a bounded number of them."""

    def __init__(
        self,
        minutes: float = DEFAULT_MINUTES,
        limit: int = DEFAULT_LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = minutes * 60.0
        self.limit = max(1, limit)
        self.clock = clock
        self._contexts: OrderedDict[Hashable, Context] = OrderedDict()

    def __len__(self) -> int:
        return len(self._contexts)

    def get(self, key: Hashable) -> Context | None:
        """The context of conversation `key`, or None when it has none or it has expired."""
        context = self._contexts.get(key)
        if context is None:
            return None
        if self.clock() - context.at > self.seconds:
            del self._contexts[key]
            return None
        return context

    def put(self, key: Hashable, context: Context) -> None:
        """Keep `context` for conversation `key`, from now; past the limit, drop the least
        recently used."""
        if self.seconds <= 0:
            return
        self._contexts[key] = replace(context, at=self.clock())
        self._contexts.move_to_end(key)
        while len(self._contexts) > self.limit:
            self._contexts.popitem(last=False)

    def share(self, key: Hashable, other: Hashable) -> None:
        """Give conversation `other` the context `key` has now (an answer keeps its question's)."""
        context = self.get(key)
        if context is not None:
            self.put(other, context)

    def forget(self, key: Hashable) -> None:
        """Drop the context of conversation `key`."""
        self._contexts.pop(key, None)


class Conversations:
    """Questions answered in the context of their conversation; one store for all of them."""

    def __init__(self, store: ContextStore | None = None) -> None:
        self.store = store if store is not None else ContextStore()

    def ask(
        self,
        answerer: Answerer,
        key: Hashable | None,
        question: str,
        context_of: Hashable | None = None,
    ) -> Reply:
        """Answer `question` in conversation `key` (None: no context), then remember it there.

        `context_of` reads the question in another conversation's context instead, such as
        that of the answer a message replies to; the result is still kept under `key`.
        """
        menu = answerer.menu(question)
        if key is None or menu is not None:
            return menu or answerer.ask(question)  # "help" typed alone: no question to keep
        context = self.store.get(context_of if context_of is not None else key)
        reading = read_followup(answerer, question, context)
        self._keep(key, reading, context)
        return reading.reply

    def share(self, key: Hashable, other: Hashable) -> None:
        """Give `other` the context `key` has now: a sent answer keeps the context it was read
        in, so that a reply to it, from whoever, is read in that context."""
        self.store.share(key, other)

    def remember(self, answerer: Answerer, key: Hashable, reply: Reply) -> None:
        """Make `reply` the context of conversation `key`, as when a button picked an answer."""
        question = reply.understood_as or reply.question
        match = answerer.matcher.match(question)
        entities = tuple(entity.id for entity in match.entities)
        self.store.put(key, Context(question, reply.fact, entities))

    def _keep(self, key: Hashable, reading: Reading, context: Context | None) -> None:
        if reading.keeps_context:
            # Small talk, or nothing to read: the conversation is still about what it was.
            if context is not None:
                self.store.put(key, context)
            return
        self.store.put(
            key,
            Context(
                question=reading.question,
                fact=reading.fact,
                entities=reading.entities,
                topic=reading.topic,
                answered=reading.answered,
                offered=reading.reply.outcome is Outcome.CLARIFY,
                # One question back, no more: memory stays bounded.
                before=replace(context, before=None) if context is not None else None,
            ),
        )
