"""Reading a follow-up in its conversation's context, over the real fact base."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import PROJECT_KNOWLEDGE
from bot.conversation import Conversations
from bot.evaluation import load_questions
from bot.factbase import EVAL_DIR, load
from bot.followups import Context, read_followup
from bot.matching import Outcome
from bot.replies import Answerer
from tests.harness import converse


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer(load(PROJECT_KNOWLEDGE))


SUMMIT_QUOTES = {"putin-real-chance", "summit-against-terrorists"}


@pytest.mark.parametrize(
    ("before", "message", "facts", "read_as"),
    [
        # "and X?", "what about X?", "X too?": the last question, about X.
        (
            "What did Rouhani say at the summit?",
            "and putin?",
            SUMMIT_QUOTES,
            "What did Vladimir Putin say at the summit?",
        ),
        (
            "Does Iran give military support to Syria?",
            "Russia too?",
            {"russia-backs-assad", "iran-supports-syria"},
            "Does Russia give military support to Syria?",
        ),
        (
            "What did Putin say at the summit?",
            "and the iranian president?",
            {"rouhani-pleased"},
            "What did Hassan Rouhani say at the summit?",
        ),
        (  # a title in other words, as the matcher reads it
            "What did Putin say at the summit?",
            "and the iranian leader?",
            {"rouhani-pleased"},
            "What did Hassan Rouhani say at the summit?",
        ),
        # Pronouns and "there".
        (
            "When did Putin talk to Trump?",
            "how long did they talk?",
            {"putin-trump-call"},
            "How long did Vladimir Putin and Donald Trump talk?",
        ),
        (
            "Who is Dmitry Peskov?",
            "what did he say about Assad?",
            {"peskov-assad-role"},
            "What did Dmitry Peskov say about Assad?",
        ),
        (
            "When did Assad visit Sochi?",
            "who did he meet there?",
            {"assad-visits-sochi"},
            "Who did Bashar al-Assad meet in Sochi?",
        ),
        (
            "What is the Astana process?",
            "what did the presidents say about it?",
            {"js-astana-framework"},
            "What did the presidents say about the Astana process?",
        ),
        # A document with a long name is pointed at by its short one.
        (
            "tell me about the joint statement",
            "what does it say about the ceasefire?",
            {"js-ceasefire"},
            "What does the joint statement say about the ceasefire?",
        ),
        # Bare questions: the last question, asking this instead.
        (
            "When did Assad visit Sochi?",
            "why?",
            {"assad-visit-purpose"},
            "Why did Assad visit Sochi?",
        ),
        (
            "When did Assad visit Sochi?",
            "how long?",
            {"assad-meeting-secrecy"},
            "How long did Assad visit Sochi?",
        ),
        # The plain reading finds another trip; the topic says which trips.
        (
            "How many times has Assad left Syria since the war began?",
            "where did he go?",
            {"assad-trips-abroad"},
            "Where did Bashar al-Assad go? (about: times has Assad left Syria since the war began)",
        ),
        # A thing pointed at, with nothing in the question to name it: the topic goes along.
        (
            "Is there a photo of Assad and Putin shaking hands?",
            "who took it?",
            {"handshake-photo"},
            "Who took it? (about: a photo of Assad and Putin shaking hands)",
        ),
        # What was said, asked about: "it" is the last answer's words, not the event it named.
        (
            "What did the three leaders agree about terrorist groups at the Sochi summit?",
            "who said it?",
            {"summit-against-terrorists"},
            "Who said it? (about: the three leaders agree about terrorist groups at the Sochi "
            "summit)",
        ),
        # A topic carried on, whatever it names.
        (
            "What does the joint statement say about the ceasefire?",
            "what about humanitarian aid?",
            {"js-humanitarian"},
            "What does the joint statement say about humanitarian aid?",
        ),
        (
            "What does the joint statement say about the ceasefire?",
            "and about the Astana process?",
            {"js-astana-framework"},
            "What does the joint statement say about the Astana process?",
        ),
        # "The Russian one": the person of that country the conversation was about.
        (
            "Where did the foreign ministers of Iran, Russia and Turkey meet?",
            "what did the russian one say?",
            {"lavrov-on-talks"},
            "What did Sergei Lavrov say?",
        ),
        # What comes before what the message says is left out of the reading.
        (
            "What did Rouhani say at the summit?",
            "ok, and putin?",
            SUMMIT_QUOTES,
            "What did Vladimir Putin say at the summit?",
        ),
    ],
)
def test_a_follow_up_is_read_with_its_context(
    answerer: Answerer, before: str, message: str, facts: set[str], read_as: str
) -> None:
    first, reply = converse(answerer, before, message)
    assert first.understood_as is None
    assert reply.understood_as == read_as
    assert reply.outcome is Outcome.ANSWER
    assert reply.fact in facts
    assert reply.question == message  # the question as given, the reading beside it
    assert reply.text().startswith(f"Reading this as: {read_as}\n")


def test_the_same_follow_up_alone_is_read_as_it_stands(answerer: Answerer) -> None:
    for message in ("and putin?", "how long did they talk?", "what did he say about Assad?"):
        reply = Conversations().ask(answerer, "chat", message)
        assert reply.understood_as is None
        assert reply.to_json()["understood_as"] is None
    # Without the context "and putin?" is a question about Putin himself.
    assert Conversations().ask(answerer, "chat", "and putin?").fact == "putin"


@pytest.mark.parametrize(
    ("before", "question", "fact"),
    [
        # A question that stands on its own is answered as if alone, whatever came before.
        (
            "What did Rouhani say at the summit?",
            "When did Assad visit Sochi?",
            "assad-visits-sochi",
        ),
        (
            "Who is Dmitry Peskov?",
            "What did Assad say about foreign interference?",
            "assad-foreign-players",
        ),
        # "his" is Assad's: the question names him before it.
        (
            "When did Putin speak with Trump?",
            "What did Assad say about his gratitude to Russia?",
            "assad-gratitude",
        ),
        # "it" that stands for what follows, not for the last question.
        ("Who is Dmitry Peskov?", "is it true that assad met putin in sochi", "assad-visits-sochi"),
    ],
)
def test_stale_context_never_changes_a_question_that_stands_alone(
    answerer: Answerer, before: str, question: str, fact: str
) -> None:
    _, reply = converse(answerer, before, question)
    assert reply.understood_as is None
    assert (reply.outcome, reply.fact) == (Outcome.ANSWER, fact)


def test_honest_limits_carry_over(answerer: Answerer) -> None:
    # The sources quote no words of Erdogan at the summit: no one else's words are given.
    _, _, erdogan = converse(
        answerer, "What did Rouhani say at the summit?", "and putin?", "and erdogan?"
    )
    assert erdogan.understood_as == "What did Recep Tayyip Erdogan say at the summit?"
    assert erdogan.outcome is not Outcome.ANSWER


def test_a_why_is_answered_only_by_a_fact_that_says_why(answerer: Answerer) -> None:
    # The sources say that Hijab stepped down, not why: that fact is the closest, no answer.
    _, why = converse(answerer, "Did Riyad Hijab resign?", "why did he quit?")
    assert why.understood_as == "Why did Riyad Hijab quit?"
    assert why.outcome is Outcome.FALLBACK
    assert why.closest is not None and why.closest.id == "hijab-resignation"
    # A fact that gives a purpose answers it.
    _, purpose = converse(answerer, "When did Assad visit Sochi?", "why?")
    assert (purpose.outcome, purpose.fact) == (Outcome.ANSWER, "assad-visit-purpose")


def test_a_who_is_answered_only_by_a_fact_that_names_someone_new(answerer: Answerer) -> None:
    # The sources say that ten resigned and new representatives were to be elected, not who.
    replies = converse(
        answerer,
        "When did the Syrian opposition meet in Riyadh?",
        "how many members had resigned before it?",
        "who replaced them?",
    )
    assert replies[1].fact == "riyadh-replacements"
    assert replies[2].outcome is Outcome.FALLBACK
    assert replies[2].closest is not None and replies[2].closest.id == "riyadh-replacements"


@pytest.mark.parametrize(
    ("before", "message", "given", "other"),
    [
        (
            "did assad thank russia",
            "what else did he say?",
            "assad-gratitude",
            "assad-foreign-players",
        ),
        (
            "What did Assad say in Sochi?",
            "anything else?",
            "assad-gratitude",
            "assad-foreign-players",
        ),
    ],
)
def test_anything_else_gets_another_fact(
    answerer: Answerer, before: str, message: str, given: str, other: str
) -> None:
    first, reply = converse(answerer, before, message)
    assert first.fact == given
    assert (reply.outcome, reply.fact) == (Outcome.ANSWER, other)
    assert reply.understood_as is not None


def test_a_word_the_sources_never_use_is_not_answered_from_the_context(
    answerer: Answerer,
) -> None:
    # "Ukraine" is what was asked; the readout of the call does not explain it.
    _, reply = converse(
        answerer, "When did Putin speak with Trump?", "did they talk about ukraine?"
    )
    assert reply.outcome is not Outcome.ANSWER
    # What they did talk about is answered.
    _, syria = converse(
        answerer, "When did Putin speak with Trump?", "what did they stress about syria?"
    )
    assert (syria.outcome, syria.fact) == (Outcome.ANSWER, "trump-putin-readout")


def test_and_x_between_facts_offered_takes_the_one_about_x(answerer: Answerer) -> None:
    # "Has Turkey backed Assad militarily?" alone is asked back between the three countries'
    # support; after the question about Iran, "and turkey?" is about Turkey.
    assert answerer.ask("Has Turkey backed assad militarily?").outcome is Outcome.CLARIFY
    _, turkey = converse(answerer, "has iran backed assad militarily", "and turkey?")
    assert (turkey.outcome, turkey.fact) == (Outcome.ANSWER, "turkey-supports-opposition")


@pytest.mark.parametrize("message", ["ok", "interesting!", "got it, thanks", "k"])
def test_an_acknowledgement_keeps_the_context(answerer: Answerer, message: str) -> None:
    _, ok, reply = converse(
        answerer, "Who is Dmitry Peskov?", message, "what did he say about Assad?"
    )
    assert ok.smalltalk is not None and ok.outcome is Outcome.FALLBACK
    assert reply.fact == "peskov-assad-role"


def test_the_topic_leaves_out_how_the_question_was_put(answerer: Answerer) -> None:
    # "tell me about …" and a trailing "right?" are not what the conversation is about.
    _, when = converse(answerer, "putin and assad met in sochi, right?", "when did this happen?")
    assert when.understood_as == "When did this happen? (about: putin and assad met in sochi)"
    _, who = converse(answerer, "tell me about the de-escalation zones", "where are they?")
    assert who.understood_as is not None and who.understood_as.endswith(
        "(about: the de-escalation zones)"
    )


def test_a_follow_up_not_answered_in_the_last_context_is_read_in_the_one_before(
    answerer: Answerer,
) -> None:
    conversations = Conversations()
    replies = [
        conversations.ask(answerer, "chat", message)
        for message in (
            "What did Lavrov say about the foreign ministers' talks?",
            "where did they meet?",
            "when?",
        )
    ]
    # "when?" about where they met, read as about Lavrov alone, is asked back; about the talks
    # it is answered.
    when = replies[2]
    assert when.outcome is Outcome.ANSWER
    assert when.fact in {"foreign-ministers-talks", "lavrov-on-talks"}
    assert when.understood_as is not None and "foreign ministers' talks" in when.understood_as
    # One question back is kept, no more.
    context = conversations.store.get("chat")
    assert context is not None and context.before is not None
    assert context.before.before is None


def test_small_talk_keeps_the_context(answerer: Answerer) -> None:
    _, thanks, reply = converse(
        answerer, "Who is Dmitry Peskov?", "thanks!", "what did he say about Assad?"
    )
    assert thanks.smalltalk == "thanks"
    assert thanks.understood_as is None
    assert reply.fact == "peskov-assad-role"


def test_follow_ups_chain_on_the_reading(answerer: Answerer) -> None:
    replies = converse(
        answerer,
        "When did Putin talk to Trump?",
        "how long did they talk?",
        "what did they stress about syria?",
    )
    assert [reply.fact for reply in replies] == [
        "putin-trump-call",
        "putin-trump-call",
        "trump-putin-readout",
    ]
    assert (
        replies[2].understood_as == "What did Vladimir Putin and Donald Trump stress about syria?"
    )


def test_an_unresolvable_pronoun_is_not_guessed(answerer: Answerer) -> None:
    # Nothing in the context is a person: "he" stays as it is and the message is read alone.
    context = Context(question="What are the de-escalation zones in Syria?", fact=None, entities=())
    reading = read_followup(answerer, "what did he say?", context)
    assert "he" in reading.question.split()


def test_the_question_set_is_unchanged_after_an_unrelated_turn(answerer: Answerer) -> None:
    """Every question of the own set gets the same reply when a question on another topic
    came first in the same conversation."""
    unrelated = (
        "What did Javad Zarif tweet about the Sochi summit?",
        "Did Riyad Hijab resign?",
        "When did Putin speak with Trump?",
    )
    facts = {text: answerer.ask(text).fact for text in unrelated}
    questions = load_questions(PROJECT_KNOWLEDGE / EVAL_DIR / "questions.yaml")
    changed = []
    for number, case in enumerate(questions.cases):
        before = next(text for text in unrelated if facts[text] != case.expect)
        conversations = Conversations()
        conversations.ask(answerer, number, before)
        reply = conversations.ask(answerer, number, case.question)
        alone = answerer.ask(case.question)
        if (reply.outcome, reply.fact) != (alone.outcome, alone.fact):
            changed.append((before, case.question, alone.fact, reply.fact, reply.understood_as))
    assert len(questions.cases) >= 300
    assert changed == []


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(message=st.text(max_size=300))
def test_any_message_in_any_context_gets_a_reply(answerer: Answerer, message: str) -> None:
    context = Context(
        question="What did Vladimir Putin and Donald Trump say about it (about: the call)?",
        fact="putin-trump-call",
        entities=("putin", "trump"),
        topic="the call",
    )
    reading = read_followup(answerer, message, context)
    assert reading.reply.question == message
    assert reading.reply.text()


@pytest.mark.parametrize(
    ("messages", "facts"),
    [
        # A question shown only the closest fact keeps the context: "since when?" asks about it.
        (
            ("did the presidents talk about the ceasefire", "since when"),
            {"js-ceasefire-achievements"},
        ),
        # "what date?" is a bare question: the last question, asking the date.
        (("what did ahram online tweet", "what date?"), {"ahram-tweet"}),
        # What comes first and weighs against every fact ("unrelated", "haha") is left out.
        (
            ("when was the tripartite summit", "unrelated but who did putin phone on nov 21"),
            {"putin-trump-call"},
        ),
        (
            ("where is sochi", "haha ok. what happened in ryadh on nov 22"),
            {"riyadh-opposition-meeting"},
        ),
        # Asked back between facts, a bare question takes the one that gives what it asks: the
        # one the conversation just got, or the only one that says why.
        (
            ("how was the assad putin meeting described", "who said that?", "when?"),
            {"slutsky-breakthrough"},
        ),
        (
            ("putin and assad met in sochi right", "when did this happen", "why was that"),
            {"assad-visit-purpose"},
        ),
        # "what date?" of a meeting the sources place only "before the summit": no day given.
        (("where did the foreign ministers meet", "and the military chiefs?", "what date?"), None),
        # A message naming nothing, its "it" read alone, is about what the conversation was.
        (("what was the riyadh conference for", "who hosted it"), None),
        (
            (
                "What was the last stronghold of ISIS in Syria?",
                "when did ISIS lose it?",
                "who took it from them?",
            ),
            None,
        ),
        # The people of a fact only shown as the closest are not whom "they" stand for.
        (
            ("what kind of elections did they agree on in the statement", "when will they happen"),
            None,
        ),
    ],
)
def test_a_follow_up_read_in_context_gets_what_it_asks(
    answerer: Answerer, messages: tuple[str, ...], facts: set[str] | None
) -> None:
    reply = converse(answerer, *messages)[-1]
    if facts is None:
        assert reply.outcome is not Outcome.ANSWER
    else:
        assert reply.outcome is Outcome.ANSWER
        assert reply.fact in facts


def test_a_question_shown_the_closest_keeps_the_context(answerer: Answerer) -> None:
    conversations = Conversations()
    reply = conversations.ask(answerer, "chat", "did the presidents talk about the ceasefire")
    assert reply.outcome is Outcome.FALLBACK and reply.closest is not None
    context = conversations.store.get("chat")
    assert context is not None and context.fact == reply.closest.id
    assert not context.answered


def test_openers_are_left_out_of_the_question_kept(answerer: Answerer) -> None:
    conversations = Conversations()
    conversations.ask(answerer, "chat", "when was the tripartite summit")
    reply = conversations.ask(answerer, "chat", "unrelated but who did putin phone on nov 21")
    assert reply.understood_as is None  # the context did not change what it asks
    context = conversations.store.get("chat")
    assert context is not None and context.question == "who did putin phone on nov 21"


@pytest.mark.parametrize(
    ("before", "message"),
    [
        ("When did Putin speak with Trump?", "recipe for hummus"),
        ("Did Riyad Hijab resign?", "who is emmanuel macron"),
        (
            "What did the joint statement say about refugees?",
            "what did the statement say about bitcoin",
        ),
    ],
)
def test_a_word_no_fact_explains_is_not_supplied_by_the_topic(
    answerer: Answerer, before: str, message: str
) -> None:
    # Read with the topic, such a message would have to be answered and explained whole; a
    # word the sources never use is explained by no fact: it gets the reply it gets alone.
    _, reply = converse(answerer, before, message)
    alone = answerer.ask(message)
    assert reply.understood_as is None
    assert (reply.outcome, reply.fact, reply.text()) == (alone.outcome, alone.fact, alone.text())
