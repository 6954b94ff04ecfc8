"""Which reading of a message is taken: the message alone, or a reading with its context."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from bot.factbase import FactBase
from bot.followups.context import ABOUT, Context, answered_with, plain
from bot.followups.dates import within_dates
from bot.followups.limits import (
    about_each,
    another_fact,
    concerned,
    first_named,
    gives_day,
    gives_kinds,
    named_in,
    names_which,
    offered_that_gives,
    only_fact,
    within_limits,
)
from bot.followups.mentions import Token, split_tokens, word_positions
from bot.followups.readings import (
    Candidate,
    Need,
    another,
    bare,
    fragment,
    pointing_back,
    substitution,
)
from bot.followups.repeats import repeated
from bot.followups.words import INTERJECTIONS, QUESTION_WORDS
from bot.matching import Match, Outcome
from bot.matching.asked import KIND_WORDS, exact
from bot.normalization import normalize
from bot.replies import Answerer, Reply

# How far a reading with the context may score below the message alone and still be taken,
# when the message clearly points back; and how far above it must score when it only may.
_STRONG_SLACK = 10.0
_WEAK_MARGIN = 5.0
_UNSEEN_LETTERS = 5
_FULLER_MARGIN = 15.0
_STAYING_MARGIN = 5.0


@dataclass(frozen=True)
class Reading:
    """How a message was read, the reply to it, and what the conversation is about after it."""

    reply: Reply
    question: str
    fact: str | None
    entities: tuple[str, ...]
    topic: str | None = None
    keeps_context: bool = False
    answered: bool = True  # whether `fact` answered it (not only shown as the closest)


def _as_question(text: str) -> str:
    """`text` as a question people read: capital first, one question mark at the end of the
    question, and the topic added after it: "Who took it? (about: a photo of …)"."""
    if ABOUT in text:
        head, topic = text.split(ABOUT, 1)
        return f"{_as_question(head)}{ABOUT}{topic.rstrip(' ?!.)')})"
    text = " ".join(text.split()).rstrip(" ?!.")
    return text[:1].upper() + text[1:] + "?" if text else text


def _rank(match: Match) -> tuple[int, float]:
    outcome = {Outcome.ANSWER: 2, Outcome.CLARIFY: 1}.get(match.outcome, 0)
    return outcome, match.score


def _explains(
    answerer: Answerer, message: str, read: Candidate, match: Match, share: float
) -> bool:
    """Whether the reading's best fact explains the words of the message itself (`share` of
    them at least: a synonym the fact does not use, "talks", is no reason to refuse). A word
    the reading made part of a name ("its chief": the HNC's chief) is explained by the name."""
    if not match.candidates:
        return False
    own = _own_terms(answerer, message, read.text)
    if _unexplainable(answerer, own):
        return False
    matched = own & match.candidates[0].matched
    return len(matched) >= share * len(own)


def _own_terms(answerer: Answerer, message: str, text: str) -> set[str]:
    """The terms of the message itself that its reading `text` keeps."""
    analyse = answerer.matcher.analyse
    kept = set(analyse(text, correct=True).content)
    # "what date?": the kind asked is checked on the answer itself (`gives_kinds`).
    said = " ".join(word for word in normalize(message).split() if word not in KIND_WORDS)
    return {
        term
        for term in analyse(said, correct=True).content
        if term not in QUESTION_WORDS and term in kept
    }


def _unexplainable(answerer: Answerer, own: set[str]) -> bool:
    """Whether the message asks with a word the base has never seen ("did they talk about
    Ukraine?"): no fact explains it, and it is what was asked. A short one may be a slip
    ("spk")."""
    idf = answerer.matcher.index.idf
    return any(len(term) >= _UNSEEN_LETTERS and term not in idf for term in own)


def _only_explained(
    answerer: Answerer, message: str, candidates: list[Candidate], alone: Match
) -> bool:
    """Whether none of the readings can be taken over the message alone, without matching
    them: where each would have to answer and explain the message's words ("the meeting"
    read with the topic, where the message alone answers; a short message naming no one),
    and the message asks with a word no fact explains ("recipe for hummus")."""
    needs = {candidate.need for candidate in candidates}
    if not (needs == {Need.WEAK} or (needs == {Need.MEDIUM} and alone.outcome is Outcome.ANSWER)):
        return False
    return all(
        _unexplainable(answerer, _own_terms(answerer, message, candidate.text))
        for candidate in candidates
    )


def _better(
    answerer: Answerer,
    message: str,
    candidate: Candidate,
    read: Match,
    alone: Match,
    given: str | None = None,
) -> bool:
    """Whether the reading with the context is to be taken over the message alone.

    Besides matching better, an answer to the reading must explain the message's own words:
    the context supplies what was left out, never what was asked ("who replaced them?"); all
    of them where the reading only adds the topic ("… (about: …)").
    """
    (read_outcome, read_score), (alone_outcome, alone_score) = _rank(read), _rank(alone)
    need = candidate.need
    if need is Need.FORM:
        return True
    share = 1.0 if candidate.topic else 0.5
    if read.outcome is Outcome.ANSWER and not _explains(answerer, message, candidate, read, share):
        return False
    if need is Need.CARRY and read.outcome is Outcome.ANSWER:
        return True
    if need >= Need.STRONG:
        if _offers_instead(read, alone, given):
            return True
        if read_outcome != alone_outcome:
            return read_outcome > alone_outcome
        return read_outcome == 0 or read_score >= alone_score - _STRONG_SLACK
    if need is Need.MEDIUM:
        if read_outcome != alone_outcome:
            return read_outcome > alone_outcome
        return read_score >= alone_score
    # A message that only may point back must be explained whole: "what did the summit cost?"
    return (
        read.outcome is Outcome.ANSWER
        and (alone.outcome is not Outcome.ANSWER or read_score >= alone_score + _WEAK_MARGIN)
        and _explains(answerer, message, candidate, read, share=1.0)
    )


def _offers_instead(read: Match, alone: Match, given: str | None) -> bool:
    """Whether the reading asks back between facts, the conversation's among them, where the
    message alone answers with none of them: "what did the joint statement say about it?"
    after the ceasefire's start is about the ceasefire, not the statement as a whole."""
    if read.outcome is not Outcome.CLARIFY or alone.outcome is not Outcome.ANSWER:
        return False
    offered = {item.id for item in read.suggestions}
    return given in offered and alone.best is not None and alone.best.id not in offered


def _reading(
    answerer: Answerer,
    message: str,
    match: Match,
    understood_as: str | None = None,
    topic: str | None = None,
    keeps_context: bool = False,
    question: str | None = None,
) -> Reading:
    reply = answerer.reply_for(message, match)
    if understood_as is not None:
        reply = replace(reply, understood_as=understood_as)
    return Reading(
        reply=reply,
        question=understood_as or question or message,
        fact=_about_fact(reply),
        entities=tuple(entity.id for entity in match.entities),
        topic=topic,
        keeps_context=keeps_context,
        answered=reply.closest is None,
    )


def _about_fact(reply: Reply) -> str | None:
    """What a reply was about: the fact answered or shown as the closest, else the first of
    those offered in a "Did you mean?"."""
    if reply.fact is not None:
        return reply.fact
    if reply.closest is not None:
        return reply.closest.id
    return reply.suggestions[0].id if reply.outcome is Outcome.CLARIFY else None


def read_followup(answerer: Answerer, message: str, context: Context | None) -> Reading:
    """Read `message` in `context` (None: alone), and answer it as read."""
    alone = answerer.matcher.match(message)
    # Small talk, or a message the bot cannot answer that names no one and comes near no
    # fact, says nothing new about what the conversation is about. (One shown the closest
    # fact is about that fact: "since when?" after it asks about it.)
    empty = alone.smalltalk is not None or (
        alone.outcome is Outcome.FALLBACK and not alone.entities and alone.closest is None
    )
    if context is None or alone.smalltalk is not None:
        return _reading(answerer, message, alone, keeps_context=empty)
    plain_best = alone.best.id if alone.best is not None else None
    tokens = split_tokens(message)
    # "ok, and Erdogan?": what the message says starts after the interjections.
    while len(tokens) > 1 and tokens[0].words and set(tokens[0].words) <= INTERJECTIONS:
        tokens = tokens[1:]
    said = " ".join(token.raw for token in tokens)
    question = message
    if said != message:
        # "unrelated, but who did Putin phone?": what it says, alone, if that answers better
        # (words such as "unrelated" weigh against every fact as words the base never uses).
        plain = answerer.matcher.match(said)
        if _rank(plain)[0] > _rank(alone)[0]:
            alone, message, question = plain, said, said
    # The same reading may be tried in more than one light (the question before, a pick
    # between facts offered): each text is matched once a message.
    matches: dict[str, Match] = {}
    alone, found, points = _in_context(answerer, message, tokens, alone, context, matches)
    answered = found is not None and found[0].outcome is Outcome.ANSWER
    resolved = found is not None and bool(found[1].referents)
    if points and not answered and not resolved and context.before is not None:
        # Not answered in the light of the last question: perhaps in that of the one before
        # ("which city?" had no answer; "when was that meeting?" is about the talks again).
        # Not where the last question gave its pronoun something to stand for: "how long did
        # it last?" about the summit just given is not about the place asked of before.
        _, earlier, _ = _in_context(answerer, message, tokens, alone, context.before, matches)
        if earlier is not None and earlier[0].outcome is Outcome.ANSWER:
            found, answered = earlier, True
    if answered and found is not None and found[1].names_only and context.before is not None:
        # "when was that meeting?" read only with whom the last question named: the question
        # before, read with all it said, tells which meeting better.
        _, earlier, _ = _in_context(answerer, message, tokens, alone, context.before, matches)
        if (
            earlier is not None
            and earlier[0].outcome is Outcome.ANSWER
            and not earlier[1].names_only
        ):
            found = earlier
    if points and not answered and found is not None and found[0].outcome is Outcome.CLARIFY:
        # Asked back in either light: of the facts offered, the one that gives what a bare
        # "when?" asks, in the light of the last question.
        _, picked, _ = _in_context(answerer, message, tokens, alone, context, matches, pick=True)
        if picked is not None and picked[0].outcome is Outcome.ANSWER:
            found = picked
    # What only repeats what the conversation has is not an answer: "which foreign players?"
    # after the quote that names them, "the other trip" after the trips and the one it finds.
    facts = (context.fact, answered_with(context), plain_best)
    if found is not None:
        read, chosen = found
        read = repeated(answerer.matcher, read, chosen.text, *facts)
        return _reading(answerer, message, read, _as_question(chosen.text), chosen.topic)
    alone = repeated(answerer.matcher, alone, question, *facts)
    return _reading(answerer, message, alone, keeps_context=empty, question=question)


def _fuller_margin(read: Match, plain_read: Match, context: Context) -> float:
    """How far the reading with the topic must match above the plain one to be taken: less
    where it stays with the fact the conversation was answered with and the plain one leaves
    it ("where did he go?" after Assad's trips abroad: his trips, not his visit to Sochi)."""
    given = answered_with(context)
    stays = read.best is not None and read.best.id == given
    leaves = plain_read.best is not None and plain_read.best.id != given
    return _STAYING_MARGIN if stays and leaves else _FULLER_MARGIN


def _not_narrower(found: tuple[Match, Candidate], read: Match) -> bool:
    """Whether `read`, an answer, may replace the reading `found`: not where `found` asked back
    between facts and `read` keeps only the last question's names to answer with another ("what
    did the statement say about it?" after the ceasefire: its two ceasefire facts, not the
    statement about Syria)."""
    match = found[0]
    if match.outcome is not Outcome.CLARIFY or read.best is None:
        return True
    return read.best.id in {item.id for item in match.suggestions}


def _person(base: FactBase, group: frozenset[str]) -> bool:
    """Whether a pronoun stands for one person (and, for "his", their country). ("they" is
    often said of whom the message names: "did Putin say they would …?")"""
    kinds = [base.entities[e].kind for e in group if e in base.entities]
    return kinds.count("person") == 1 and set(kinds) <= {"person", "country"}


def _pointed(base: FactBase, candidate: Candidate, named: set[str]) -> list[set[str]]:
    """What a reading takes from the context, that its answer must be about: for each pronoun
    what it stands for, else who and what the reading names that the message does not."""
    if candidate.referents:
        return [set(group) - named for group in candidate.referents]
    return [named_in(base, candidate.text) - named]


def _context_about(answerer: Answerer, context: Context) -> set[str]:
    """Whom and what a context is about: what its question named, else what its fact is
    about (the Riyadh conference's fact names the Sochi summit too)."""
    if context.entities or context.fact is None:
        return set(context.entities)
    return set(concerned(answerer.matcher, context.fact))


def _in_context(
    answerer: Answerer,
    message: str,
    tokens: list[Token],
    alone: Match,
    context: Context,
    matches: dict[str, Match],
    pick: bool = False,
) -> tuple[Match, tuple[Match, Candidate] | None, bool]:
    """The message alone (within the limits of a follow-up where it points back), the
    reading with `context` to be taken over it, if any, and whether the message points back.
    With `pick`, a bare question asked back takes the fact offered that gives what it asks."""
    words = [word for word, _ in word_positions(tokens)]
    candidates = (
        another(tokens, context)
        or substitution(tokens, alone, answerer, context)
        or bare(tokens, context)
        or fragment(tokens, alone, context)
        or pointing_back(tokens, alone, answerer, context)
    )
    if candidates and candidates[0].need is Need.WEAK and alone.outcome is Outcome.ANSWER:
        candidates = []  # it only may point back, and it is answered as it stands
    points = bool(candidates) and candidates[0].need >= Need.STRONG
    base = answerer.base
    named = named_in(base, message) if candidates else set()
    if points:
        # A message that points back is a follow-up: the limits hold for it alone too.
        alone = within_limits(base, words, message, alone)
        if candidates[0].need is Need.STRONG:
            # Read alone, "did he meet Assad there?" is about anyone: its answer must be about
            # whom the context says "he" is. ("it" and "there" read alone often stand for what
            # the message names: "did ISIS lose its last stronghold?")
            people = [group for group in candidates[0].referents if _person(base, group)]
            pointed = [group - named for group in (*people, candidates[0].unresolved)]
            if not named and not alone.entities:
                # "who hosted it?", "who took it from them?" name nothing the pronouns could
                # stand for: read alone, they are about what the conversation was about.
                pointed.append(frozenset(_context_about(answerer, context)))
                # Nor can "it" stand for anything but what it was read as: "how long did it
                # last?" after the summit's fact is about the summit.
                pointed.extend(group for group in candidates[0].referents if group not in people)
            alone = about_each(answerer.matcher, alone, pointed)
        if candidates[0].bare:
            # "which city?", "exact date?" say nothing of what they are about: read alone,
            # only the fact the conversation is about answers them.
            alone = only_fact(alone, context.fact)
    elif candidates and candidates[0].need is Need.MEDIUM and candidates[0].unresolved:
        # "how long did the talks last?" is about the talks the last question was about.
        alone = about_each(answerer.matcher, alone, [candidates[0].unresolved - named])
    if candidates and _only_explained(answerer, message, candidates, alone):
        return alone, None, points  # not one of them could be taken: none is matched
    # The last question's words: what a bare "when?" asks of ("will they meet again?").
    last = [word for word, _ in word_positions(split_tokens(plain(context.question)))]
    # The plainest reading that answers; else the plainest.
    found: tuple[Match, Candidate] | None = None
    for candidate in candidates:
        if candidate.another:
            read = another_fact(answerer.base, answerer.matcher, candidate.text, context.fact)
        else:
            read = matches.get(candidate.text) or answerer.matcher.match(candidate.text)
            matches[candidate.text] = read
        if pick and (candidate.bare or answered_with(context) is not None):
            # A bare question takes the fact offered that gives what it asks; a pronoun read
            # with the context, only the conversation's own fact.
            only = None if candidate.bare else answered_with(context)
            # Each fact offered also gives a date of what is asked, where "when?" is asked.
            dated = partial(within_dates, answerer.matcher, words=words, question=candidate.text)
            read = offered_that_gives(
                answerer.matcher,
                read,
                words,
                candidate.text,
                context.fact,
                only,
                partial(dated, last=last, bare=candidate.bare),
            )
        if candidate.bare and exact(words) and answered_with(context) is not None:
            # "exact date?", "when exactly?" ask more of the answer just given: only its fact
            # may say it ("on 22 November" of another fact is that fact's day, not this one's).
            read = only_fact(read, context.fact)
        if candidate.need is Need.FORM:
            read = first_named(answerer.base, read, [entity.id for entity in alone.entities])
        if candidate.need is Need.FORM and not candidate.another:
            # "and Trump?": an answer about Trump.
            read = about_each(answerer.matcher, read, [{entity.id for entity in alone.entities}])
        elif not candidate.another:
            # An answer about whom and what the context says the message is about, that gives
            # what the message asks for in its own words.
            read = about_each(answerer.matcher, read, _pointed(base, candidate, named))
            read = gives_kinds(answerer.matcher, read, words)
            read = gives_day(answerer.matcher, read, words)
            read = names_which(base, read, words, candidate.text)
            # "when?" after "will they meet again?" asks of what is to come, as the last did.
            read = within_dates(answerer.matcher, read, words, candidate.text, last, candidate.bare)
        # The context says what the message is about, never what it asks: a "why?" gets a
        # fact that says why, or the closest.
        read = within_limits(answerer.base, words, candidate.text, read)
        if found is None or found[0].outcome is not Outcome.ANSWER:
            if found is None or (read.outcome is Outcome.ANSWER and _not_narrower(found, read)):
                found = (read, candidate)
        elif read.outcome is Outcome.ANSWER and read.score >= found[0].score + _fuller_margin(
            read, found[0], context
        ):
            # "where did he go?" after Assad's trips abroad: the reading with the topic says
            # what the plain one left out, and matches far better.
            found = (read, candidate)
        if found[0].outcome is Outcome.ANSWER and (
            found[1].topic is not None or found[1].need < Need.STRONG
        ):
            break  # only a plain reading that answers is weighed against one more
    given = answered_with(context)
    if found is not None and _better(answerer, message, found[1], found[0], alone, given):
        return alone, found, points
    return alone, None, points
