"""The context of each conversation: kept a while, for a bounded number of conversations."""

from __future__ import annotations

import tracemalloc
from dataclasses import replace

import pytest

from bot.conversation import ContextStore, Conversations, answer_key, chat_key
from bot.factbase import FactBase
from bot.followups import Context
from bot.matching import Outcome
from bot.replies import Answerer


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def context(question: str) -> Context:
    return Context(question=question, fact=None, entities=())


def test_a_context_expires_after_its_minutes() -> None:
    clock = Clock()
    store = ContextStore(minutes=10, clock=clock)
    store.put("chat", context("When did Assad visit Sochi?"))
    clock.now += 10 * 60
    kept = store.get("chat")
    assert kept is not None and kept.question == "When did Assad visit Sochi?"
    clock.now += 1
    assert store.get("chat") is None
    assert len(store) == 0  # an expired context is dropped, not only hidden


def test_each_question_starts_the_minutes_again() -> None:
    clock = Clock()
    store = ContextStore(minutes=10, clock=clock)
    for _ in range(3):
        store.put("chat", context("When did Assad visit Sochi?"))
        clock.now += 9 * 60
    assert store.get("chat") is not None


def test_no_minutes_keeps_no_context() -> None:
    store = ContextStore(minutes=0)
    store.put("chat", context("When did Assad visit Sochi?"))
    assert store.get("chat") is None


def test_the_least_recently_used_conversation_is_dropped_first() -> None:
    store = ContextStore(limit=3)
    for key in ("a", "b", "c"):
        store.put(key, context(key))
    store.put("a", context("a again"))  # "a" is now the most recently used
    store.put("d", context("d"))
    assert store.get("b") is None
    assert [store.get(key) is not None for key in ("a", "c", "d")] == [True, True, True]
    assert len(store) == 3


def test_memory_stays_flat_with_100_000_conversations() -> None:
    store = ContextStore(limit=1000)

    def fill(start: int, count: int) -> None:
        for number in range(start, start + count):
            # As conversations keep it: the last question and the one before.
            before = context(f"question number {number} before")
            last = context(f"question number {number} about Sochi")
            store.put(("chat", number), replace(last, before=before))

    fill(0, 1000)
    tracemalloc.start()
    try:
        fill(1000, 1000)
        full, _ = tracemalloc.get_traced_memory()
        fill(2000, 98_000)
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(store) == 1000
    assert store.get(("chat", 99_999)) is not None
    assert store.get(("chat", 0)) is None
    # 98,000 more conversations cost nothing more than the first 1,000 did.
    assert after < full + 64 * 1024


def test_a_private_chat_is_one_conversation_a_group_one_per_member() -> None:
    assert chat_key(7, 11, private=True) == chat_key(7, 12, private=True)
    assert chat_key(-100, 11, private=False) != chat_key(-100, 12, private=False)
    assert chat_key(-100, 11, private=False) != chat_key(-101, 11, private=False)
    # An answer's conversation is none of the chat's own.
    assert answer_key(7, 500) not in {chat_key(7, 11, private=True), chat_key(7, 500, False)}


def test_conversations_are_kept_apart(mini_base: FactBase) -> None:
    answerer = Answerer(mini_base)
    conversations = Conversations()
    # A group: each member's thread is their own, interleaved message by message.
    alice, bob = chat_key(-100, 11, private=False), chat_key(-100, 12, private=False)
    conversations.ask(answerer, alice, "When did Assad visit Sochi?")
    conversations.ask(answerer, bob, "Will the presidents meet again?")
    alice_context, bob_context = conversations.store.get(alice), conversations.store.get(bob)
    assert alice_context is not None and alice_context.fact == "assad-visits-sochi"
    assert bob_context is not None and bob_context.fact == "js-meet-again"


def test_no_key_no_context(mini_base: FactBase) -> None:
    answerer = Answerer(mini_base)
    conversations = Conversations()
    reply = conversations.ask(answerer, None, "When did Assad visit Sochi?")
    assert reply.fact == "assad-visits-sochi"
    assert len(conversations.store) == 0


def test_a_reply_to_an_answer_is_read_in_that_answers_context(mini_base: FactBase) -> None:
    answerer = Answerer(mini_base)
    conversations = Conversations()
    asker, answer = chat_key(-100, 11, private=False), answer_key(-100, 500)
    conversations.ask(answerer, asker, "When did Assad visit Sochi?")
    conversations.share(asker, answer)  # the bot's answer keeps its question's context
    someone_else = chat_key(-100, 12, private=False)
    reply = conversations.ask(answerer, someone_else, "who did he meet there?", context_of=answer)
    read_as = reply.understood_as
    assert read_as is not None and read_as.startswith("Who did Bashar al-Assad meet in Sochi")
    assert reply.outcome is Outcome.ANSWER and reply.fact == "assad-visits-sochi"
    kept = conversations.store.get(someone_else)
    assert kept is not None and kept.question == read_as


def test_remembering_a_picked_answer_makes_it_the_context(mini_base: FactBase) -> None:
    answerer = Answerer(mini_base)
    conversations = Conversations()
    picked = answerer.answer_with("assad-visits-sochi")
    assert picked is not None
    conversations.remember(answerer, "chat", picked)
    kept = conversations.store.get("chat")
    assert kept is not None and kept.fact == "assad-visits-sochi"
    assert kept.entities  # Assad, Sochi: what "he" and "there" may stand for


@pytest.mark.parametrize("message", ["", "   ", "thanks", "???"])
def test_nothing_to_read_keeps_the_context(mini_base: FactBase, message: str) -> None:
    answerer = Answerer(mini_base)
    conversations = Conversations()
    conversations.ask(answerer, "chat", "When did Assad visit Sochi?")
    conversations.ask(answerer, "chat", message)
    kept = conversations.store.get("chat")
    assert kept is not None and kept.fact == "assad-visits-sochi"
