"""The answerability signals added on the blind-written tuning data: words that name the kind of
answer, the thing a which/what question asks for, and the precision "exactly" asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import PROJECT_KNOWLEDGE
from bot.evaluation import evaluate, load_questions
from bot.factbase import EVAL_DIR, FactBase, load
from bot.matching import Matcher, Outcome
from bot.matching.answerability import Why, asks_for_someone, explain
from bot.matching.answerables import Answerable
from bot.matching.asked import (
    DATE,
    DAY,
    EXACT_DATE,
    EXACT_PLACE,
    FUTURE,
    HANDLE,
    HASHTAG,
    MEANING,
    NUMBER,
    OUTCOME,
    PLACE,
    REASON,
    TWEET,
    asked_kinds,
    counted,
    counts_given,
    gives_reason,
    is_tweet,
    kinds_of_answer,
    marked_kinds,
    named_kinds,
    which_named,
)
from bot.matching.decision import decide
from bot.matching.scoring import Candidate
from bot.matching.weights import Weights
from bot.replies import Answerer
from tests.conftest import copy_project_base


@pytest.fixture(scope="module")
def base() -> FactBase:
    return load(PROJECT_KNOWLEDGE)


@pytest.fixture(scope="module")
def matcher(base: FactBase) -> Matcher:
    return Matcher(base)


def test_a_word_naming_a_kind_of_answer_asks_for_it() -> None:
    assert named_kinds("what date was the meeting".split()) == {DATE}
    assert named_kinds("congress location".split()) == {PLACE}
    assert named_kinds("what did they discuss".split()) == frozenset()


def test_a_kind_word_is_explained_by_a_fact_that_gives_that_kind(matcher: Matcher) -> None:
    # "town" is explained by a fact that says where: the place it gives.
    # "Military chiefs from Russia, Iran and Turkey" names none of them; the presidents the
    # Sochi summit's name holds are not they.
    for question in (
        "who were the military chiefs who met in sochi",
        "which russian general attended the military chiefs meeting",
    ):
        match = matcher.match(question)
        assert match.why is not None and match.why.fact == "military-chiefs-meeting"
        assert match.why.unnamed is not None and match.outcome is Outcome.FALLBACK
    match = matcher.match("which town did isis lose")
    assert match.why is not None and PLACE in match.why.asked and not match.why.missing
    assert "town" not in match.why.unexplained
    assert match.outcome is Outcome.ANSWER and match.best is not None
    assert match.best.id == "abu-kamal"


def test_a_kind_word_a_fact_cannot_give_is_missing(matcher: Matcher) -> None:
    # The invitations say when the congress meets, not where.
    match = matcher.match("congress location")
    assert match.why is not None and match.why.fact == "congress-invitations"
    assert PLACE in match.why.missing
    assert match.outcome is Outcome.FALLBACK


def test_the_thing_asked_for_is_named_when_unexplained(matcher: Matcher) -> None:
    match = matcher.match("which hotel did assad stay in in sochi")
    assert match.why is not None and match.why.head == "hotel"
    assert match.why.to_json()["head"] == "hotel"
    assert match.outcome is Outcome.FALLBACK
    # "kind of" is skipped to find it; an explained one is no signal.
    assert matcher.match("what kind of hotel did assad stay in").why.head == "hotel"  # type: ignore[union-attr]
    explained = matcher.match("which delegations were invited to the congress").why
    assert explained is not None and explained.head is None


def test_the_model_weighs_an_unexplained_thing_asked_for_against_answering(
    matcher: Matcher,
) -> None:
    why = matcher.match("which hotel did assad stay in in sochi").why
    assert why is not None
    with_head = why.features()
    assert with_head[-1] == 1.0
    assert matcher.weights.model[-1] < 0


def test_a_day_is_a_digit_beside_a_month() -> None:
    assert DAY in kinds_of_answer("on 22 november 2017 they met".split(), [])
    assert DAY in kinds_of_answer("on november 22 they met".split(), [])
    assert DAY not in kinds_of_answer("in november 2017 they met".split(), [])
    assert DAY not in kinds_of_answer("33 delegations were invited".split(), [])


@pytest.mark.parametrize(
    ("question", "missing", "fact"),
    [
        ("where exactly are the four de-escalation zones", EXACT_PLACE, "de-escalation-zones"),
        ("when exactly did isis lose abu kamal", EXACT_DATE, "abu-kamal"),
    ],
)
def test_exactly_asks_for_more_than_the_fact_gives(
    matcher: Matcher, question: str, missing: str, fact: str
) -> None:
    match = matcher.match(question)
    assert match.why is not None and match.why.fact == fact
    assert missing in match.why.missing
    assert match.outcome is Outcome.FALLBACK
    # Without "exactly", the same question is answered with what the fact gives.
    plain = matcher.match(question.replace(" exactly", ""))
    assert plain.why is not None and missing not in plain.why.missing


@pytest.mark.parametrize(
    "question", ["on what date did isis lose abu kamal", "what exact day did isis lose abu kamal"]
)
def test_what_date_asks_for_a_day(matcher: Matcher, question: str) -> None:
    # Abu Kamal was lost "just days before" the talks of November 2017: no day.
    match = matcher.match(question)
    assert match.why is not None and match.why.fact == "abu-kamal"
    assert EXACT_DATE in match.why.missing and match.outcome is Outcome.FALLBACK
    # "when" is answered with the month.
    match = matcher.match("when did isis lose abu kamal")
    assert match.why is not None and EXACT_DATE not in match.why.missing


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("where exactly did assad meet putin", "assad-visits-sochi"),
        ("when exactly did assad visit sochi", "assad-visits-sochi"),
    ],
)
def test_exactly_is_answered_by_a_fact_precise_enough(
    matcher: Matcher, question: str, fact: str
) -> None:
    match = matcher.match(question)
    assert match.why is not None and not match.why.missing
    assert match.outcome is Outcome.ANSWER and match.best is not None and match.best.id == fact


def test_who_needs_someone_the_question_does_not_name(matcher: Matcher) -> None:
    # The replacements' fact says that people were to be elected, not who was.
    match = matcher.match("who was elected at the riyadh conference")
    assert match.why is not None and match.why.fact == "riyadh-replacements"
    assert match.why.nobody and match.why.to_json()["nobody"] is True
    assert match.outcome is Outcome.FALLBACK


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("who met assad in sochi", "assad-visits-sochi"),  # it names Putin
        ("who tweeted the handshake photo", "handshake-photo"),  # it names Lederman
        ("who is lavrov", "lavrov"),  # asks about the one it names
    ],
)
def test_who_is_answered_by_a_fact_naming_someone(
    matcher: Matcher, question: str, fact: str
) -> None:
    match = matcher.match(question)
    assert match.why is not None and not match.why.nobody
    assert match.outcome is Outcome.ANSWER and match.best is not None and match.best.id == fact


@pytest.mark.parametrize(
    "question",
    [
        "who resigned",
        "the names of those who resigned",
        "name the new members",
        "which people quit",
        "which opposition members resigned",
        "what senior officials met",
    ],
)
def test_names_and_which_people_ask_who(question: str) -> None:
    assert asks_for_someone(tuple(question.split()))


def test_what_asks_for_something_else_than_someone() -> None:
    assert not asks_for_someone(tuple("what did the people of syria want".split()))
    assert not asks_for_someone(tuple("when did they resign".split()))
    assert not asks_for_someone(tuple("which zones did the leaders agree on".split()))


def test_the_names_asked_for_need_a_fact_naming_someone(matcher: Matcher) -> None:
    # The replacements' fact says that ten members resigned, not who they were.
    match = matcher.match("names of the ten people who resigned from the opposition")
    assert match.why is not None and match.why.fact == "riyadh-replacements"
    assert match.why.nobody
    assert match.outcome is Outcome.FALLBACK


def test_a_word_the_base_folds_is_shown_as_it_was_typed(base: FactBase, matcher: Matcher) -> None:
    # "people" is folded with its chat spellings; the reply names the word, not its stem.
    question = "how did people react to the summit"
    match = matcher.match(question)
    assert match.why is not None and "people" in match.why.typed
    text = Answerer(base, matcher).ask(question).text()
    assert "“people”" in text and "“peopl”" not in text


def test_a_person_asked_about_must_be_in_the_fact(matcher: Matcher) -> None:
    # The call was Putin's with Trump; Erdogan is nowhere in it.
    match = matcher.match("how long did trump speak with erdogan")
    assert match.why is not None and match.why.fact == "putin-trump-call"
    assert match.why.absent_person and match.why.to_json()["absent_person"] is True
    assert match.outcome is Outcome.FALLBACK
    # Each person asked about is in it: answered.
    match = matcher.match("how long did trump speak with putin")
    assert match.why is not None and not match.why.absent_person
    assert match.outcome is Outcome.ANSWER


def test_a_described_person_may_be_placed(matcher: Matcher) -> None:
    # "at the Sochi meeting" says where; the military chiefs' fact names no Iranian.
    match = matcher.match("who was the iranian chief of staff at the sochi meeting")
    assert match.why is not None and match.why.fact == "military-chiefs-meeting"
    assert match.outcome is Outcome.FALLBACK
    assert "person" in match.why.missing


def test_how_many_asks_to_count_the_thing_it_names() -> None:
    assert counted("how many times has he met putin".split()) == "times"
    assert counted("how many are there".split()) is None  # names nothing
    assert counted("how many people came".split()) is None  # people go by many names
    assert counted("how much time did they spend".split()) is None  # how long


def test_a_text_counts_the_words_after_its_numbers() -> None:
    assert {"opposition", "members"} <= counts_given("ten opposition members quit".split())
    assert counts_given("they met twice".split()) == {"times"}
    assert counts_given("after some time".split()) == frozenset()
    assert counts_given("on 22 november".split()) == frozenset()


def test_a_count_of_something_else_does_not_answer_how_many(matcher: Matcher) -> None:
    # The meeting's fact counts hours, not the times they met.
    match = matcher.match("how many times has assad met putin in total")
    assert match.why is not None and match.why.fact == "assad-meeting-secrecy"
    assert NUMBER in match.why.missing
    assert match.outcome is Outcome.FALLBACK
    match = matcher.match("how many hours did assad and putin meet")
    assert match.outcome is Outcome.ANSWER and match.best is not None
    assert match.best.id == "assad-meeting-secrecy"


def test_a_hashtag_or_a_handle_is_given_by_a_text_that_has_one() -> None:
    assert marked_kinds(["No need for empty words. #SochiSummit"]) == {HASHTAG}
    assert marked_kinds(["via @AP"]) == {HANDLE}
    assert marked_kinds(["issue #2 of 5", "mail me at a@b.org", "AT&T"]) == frozenset()
    assert named_kinds("what hashtag did he use".split()) == {HASHTAG}


def test_which_hashtag_is_explained_by_a_tweet_with_one(matcher: Matcher) -> None:
    match = matcher.match("what hashtag did zarif use")
    assert match.why is not None and match.why.fact == "zarif-tweet"
    assert "hashtag" not in match.why.unexplained and not match.why.missing
    # Zarif's tweet as quoted has a hashtag, not his handle (its attribution line is left
    # out): it is not served as the answer to "his Twitter handle".
    match = matcher.match("zarif twitter handle")
    assert match.why is not None and HANDLE in match.why.missing
    assert match.outcome is not Outcome.ANSWER or (
        match.best is not None and match.best.id == "zarif"
    )


def test_in_which_country_asks_where() -> None:
    assert PLACE in asked_kinds("in which country is the astana process held".split())
    assert PLACE in asked_kinds("in what city did they meet".split())
    assert PLACE not in asked_kinds("which country hosted the talks".split())  # who hosted


def test_in_which_country_needs_a_fact_that_gives_a_place(matcher: Matcher) -> None:
    # The sources never say where the Astana talks are held.
    match = matcher.match("in which country is the astana process held")
    assert match.why is not None and PLACE in match.why.missing
    assert match.outcome is Outcome.FALLBACK
    match = matcher.match("in which city did assad meet putin")
    assert match.outcome is Outcome.ANSWER and match.best is not None
    assert match.best.id == "assad-visits-sochi"


def _closest_why(matcher: Matcher, question: str) -> Why:
    """The signals on a question that must not be answered."""
    match = matcher.match(question)
    assert match.outcome is Outcome.FALLBACK and match.why is not None
    return match.why


def _answered_with(matcher: Matcher, question: str) -> str:
    """The fact a question that must be answered is answered with."""
    match = matcher.match(question)
    assert match.outcome is Outcome.ANSWER and match.best is not None
    return match.best.id


def test_a_place_name_lent_to_a_fact_does_not_say_where(matcher: Matcher) -> None:
    # "de-escalation zones" is a place entity that points to its fact: "where is …", made up
    # for the name, is no phrasing anyone wrote, and the fact says only "in Syria".
    assert PLACE in _closest_why(matcher, "where are the de-escalation zones").missing
    # The name still finds the fact.
    assert _answered_with(matcher, "what are the de-escalation zones") == "de-escalation-zones"


def test_a_fact_may_declare_what_it_answers(tmp_path: Path) -> None:
    folder = copy_project_base(tmp_path)
    path = folder / "facts" / "assad-visit.yaml"
    text = path.read_text(encoding="utf-8")
    declared = text.replace(
        "  - id: assad-visits-sochi\n", "  - id: assad-visits-sochi\n    answers: [When]\n", 1
    )
    assert declared != text
    path.write_text(declared, encoding="utf-8")
    base = load(folder)
    assert base.facts["assad-visits-sochi"].answers == ("when",)
    matcher = Matcher(base)
    # Its text says "in Sochi", but it declares it answers when only: not where.
    position = next(
        at for at, item in enumerate(matcher.index.items) if item.id == "assad-visits-sochi"
    )
    assert PLACE not in matcher.index.answer_kinds[position]
    match = matcher.match("in which city did assad meet putin")
    assert match.best is None or match.best.id != "assad-visits-sochi"
    assert match.why is not None
    assert match.why.fact != "assad-visits-sochi" or PLACE in match.why.missing
    match = matcher.match("when did assad meet putin in sochi")
    assert match.outcome is Outcome.ANSWER and match.best is not None
    assert match.best.id == "assad-visits-sochi"


def test_will_needs_a_fact_that_tells_what_is_to_come(base: FactBase, matcher: Matcher) -> None:
    assert FUTURE in asked_kinds("will they send more troops".split())
    assert FUTURE in asked_kinds("is the congress going to be in sochi".split())
    assert FUTURE not in asked_kinds("did they send troops".split())
    # Russia's forces have been in Syria since 2015: nothing about sending more.
    question = "will russia send more troops to syria"
    match = matcher.match(question)
    assert match.why is not None and FUTURE in match.why.missing
    assert match.outcome is Outcome.FALLBACK
    assert (
        Answerer(base, matcher)
        .ask(question)
        .text()
        .startswith("My sources don't say what will happen. What they say:")
    )
    # What the presidents agreed to do, and a congress planned for December, tell it.
    for question, fact in [
        ("will the three presidents meet again", "js-meet-again"),
        ("what will the congress discuss", "congress-invitations"),
    ]:
        match = matcher.match(question)
        assert match.outcome is Outcome.ANSWER and match.best is not None
        assert match.best.id == fact


def test_what_came_of_something_is_asked_in_the_past() -> None:
    for question in (
        "did the congress actually take place",
        "was the congress held in the end",
        "how many delegations attended",
        "what happened at the congress",
        "what was the outcome of the summit",
    ):
        assert OUTCOME in asked_kinds(question.split()), question
    for question in (
        "when is the congress supposed to take place",
        "will the congress take place",
        "who is invited to attend the congress",
    ):
        assert OUTCOME not in asked_kinds(question.split()), question


def _shown_closest(base: FactBase, matcher: Matcher, question: str, fact: str, what: str) -> Why:
    """The signals on `question`, asserting it gets `fact` as the closest, "My sources don't
    say {what}"."""
    match = matcher.match(question)
    assert match.why is not None and match.why.fact == fact
    assert match.outcome is Outcome.FALLBACK
    reply = Answerer(base, matcher).ask(question)
    assert reply.text().startswith(f"My sources don't say {what}. What they say:")
    return match.why


def test_a_fact_that_tells_a_plan_cannot_say_what_came_of_it(
    base: FactBase, matcher: Matcher
) -> None:
    # The congress was planned for December 2017 (`planned:`): its fact tells the plan only.
    question = "how many delegations attended the national dialogue congress"
    why = _shown_closest(base, matcher, question, "congress-invitations", "what came of it")
    assert OUTCOME in why.missing
    # A meeting that took place tells what came of it.
    match = matcher.match("who attended the sochi summit")
    assert match.outcome is Outcome.ANSWER and match.best is not None
    assert match.best.id == "sochi-summit"


def test_which_names_the_thing_it_asks_for() -> None:
    assert which_named("which turkish backed rebel groups fight in syria".split()) == (
        "groups",
        "organisation",
    )
    assert which_named("what other leaders did putin call".split()) == ("leaders", "person")
    assert which_named("what city did they meet in".split()) == ("city", "place")
    # "what did the leaders say" asks what they said, not which leaders.
    assert which_named("what did the leaders say".split()) is None
    assert which_named("who were the military chiefs who met".split()) == ("chiefs", "person")
    assert which_named("who is lavrov".split()) is None
    assert which_named("what the army chiefs plan".split()) is None


def test_which_needs_a_fact_that_names_or_describes_one(base: FactBase, matcher: Matcher) -> None:
    # Turkey's support for "Syrian opposition groups" says not which groups.
    question = "which turkish backed rebel groups fight in syria"
    why = _shown_closest(base, matcher, question, "turkey-supports-opposition", "which groups")
    assert why.unnamed == "groups"
    # The groups "that are committed to" Syria's sovereignty are described: answered.
    match = matcher.match("which opposition groups are welcome at the congress")
    assert match.why is not None and match.why.unnamed is None
    assert match.outcome is Outcome.ANSWER
    # "Southern Turkey" names no city; the Sochi its phrasings mention is no answer of its.
    why = _closest_why(matcher, "in which turkish city did the foreign ministers meet")
    assert why.fact == "foreign-ministers-talks" and why.unnamed == "city"
    # "Military chiefs from Russia, Iran and Turkey" names none of them; the presidents the
    # Sochi summit's name holds are not they.
    for question in (
        "who were the military chiefs who met in sochi",
        "which russian general attended the military chiefs meeting",
    ):
        why = _closest_why(matcher, question)
        assert why.fact == "military-chiefs-meeting" and why.unnamed is not None
    assert _answered_with(matcher, "which town did isis lose") == "abu-kamal"
    # A fact whose own phrasings ask "which factions" says which, to those who wrote them;
    # "groups" it still does not.
    question = "which syrian factions does turkey back"
    assert _answered_with(matcher, question) == "turkey-supports-opposition"
    # "the HNC chief" names Hijab: no chief is asked to be named.
    match = matcher.match("who was the hnc chief that quit")
    assert match.why is not None and match.why.unnamed is None
    # A fact naming the leaders answers which leaders.
    assert _answered_with(matcher, "what other leaders did putin call") == "putin-calls-leaders"


def test_what_words_meant_needs_a_text_that_explains_them(base: FactBase, matcher: Matcher) -> None:
    assert MEANING in asked_kinds("what did zarif mean by glowing orbs".split())
    assert MEANING in asked_kinds("what was lavrov referring to".split())
    assert MEANING not in asked_kinds("what does the statement mean for syria".split())
    # The tweet says "glowing orbs"; nothing says what Zarif meant by them.
    question = "what did zarif mean by glowing orbs"
    why = _shown_closest(base, matcher, question, "zarif-tweet", "what was meant")
    assert MEANING in why.missing
    assert MEANING in kinds_of_answer("by orbs he meant the globe".split(), [])


def test_what_someone_tweeted_needs_a_tweet(base: FactBase, matcher: Matcher) -> None:
    assert TWEET in asked_kinds("what did trump tweet about putin".split())
    assert is_tweet("Tweet by Javad Zarif (@JZarif)", "Javad Zarif (@JZarif) on Twitter")
    assert not is_tweet("White House readout of the call", "The White House")
    # The White House's readout is no tweet of Trump's.
    question = "what did trump tweet about putin"
    match = matcher.match(question)
    assert match.why is not None and TWEET in match.why.missing
    assert match.outcome is Outcome.FALLBACK
    text = Answerer(base, matcher).ask(question).text()
    assert text.startswith("My sources don't say what was tweeted. What they say:")
    match = matcher.match("what did zarif tweet")
    assert match.outcome is Outcome.ANSWER and match.best is not None
    assert match.best.id == "zarif-tweet"


def test_why_and_purpose_ask_for_a_reason() -> None:
    assert REASON in asked_kinds("why did he resign".split())
    assert REASON in asked_kinds("he resigned what for".split())
    assert named_kinds("the purpose of the visit".split()) == {REASON}
    assert REASON not in asked_kinds("when did he resign".split())


def test_a_text_gives_a_reason_with_a_cause_or_a_purpose() -> None:
    assert gives_reason("He stepped down because of the talks.")
    assert gives_reason("Putin called them to brief them on the summit.")
    assert gives_reason("It was scheduled so that they could confer.")
    assert not gives_reason("Riyad Hijab resigned on 20 November.")
    assert REASON in kinds_of_answer("met in sochi to discuss the war".split(), [])


def test_why_is_not_answered_by_a_fact_that_gives_no_reason(
    base: FactBase, matcher: Matcher
) -> None:
    # The sources say that Hijab resigned, not why.
    match = matcher.match("why did riyad hijab resign")
    assert match.why is not None and match.why.fact == "hijab-resignation"
    assert REASON in match.why.missing
    assert match.outcome is Outcome.FALLBACK
    assert match.closest is not None and match.closest.id == "hijab-resignation"
    reply = Answerer(base, matcher).ask("why did riyad hijab resign")
    assert reply.text().startswith("My sources don't say why. What they say:")


def test_why_is_answered_by_a_fact_that_says_why(matcher: Matcher) -> None:
    # The visit "seemed timed so that Assad and Putin could confer before the summit".
    match = matcher.match("why did assad go to sochi")
    assert match.why is not None and not match.why.missing
    assert match.outcome is Outcome.ANSWER and match.best is not None
    assert match.best.id == "assad-visit-purpose"


@pytest.mark.parametrize(
    ("name", "least_in", "least_out"),
    [("from-article.yaml", 300, 150), ("from-article-2.yaml", 130, 75)],
)
def test_the_sets_written_from_the_article_meet_their_floors(
    base: FactBase, matcher: Matcher, name: str, least_in: int, least_out: int
) -> None:
    questions = load_questions(PROJECT_KNOWLEDGE / EVAL_DIR / name)
    in_scope = [case for case in questions.cases if case.expect is not None]
    assert len(in_scope) >= least_in and len(questions.cases) - len(in_scope) >= least_out
    answerer = Answerer(base, matcher)
    result = evaluate(questions, answerer.ask, answerer.answered_by)
    assert result.failures() == [], result.table()


def _why(fact: str, missing: tuple[str, ...] = (), kinds: frozenset[str] = frozenset()) -> Why:
    return Why(
        fact=fact,
        score=70.0,
        margin=0.0,
        explained=1.0,
        overlap=0.8,
        unexplained=(),
        specific=(),
        specificity=0.0,
        sharpest=0.0,
        asked=(),
        missing=missing,
        speaker=None,
        speaker_quoted=None,
        unquoted_person=False,
        missing_entities=(),
        answerable=0.95,
        kind_terms=kinds,
    )


def test_a_rival_that_cannot_give_what_is_asked_is_none(matcher: Matcher) -> None:
    # The Ahram Online tweet comes close in words but says nothing of what the meeting was for.
    question = "what was the riyadh conference for"
    _, analysis = matcher.read(question)
    ranked = matcher.rank(analysis)
    assert ranked[1].item.id == "ahram-tweet"
    assert ranked[1].score >= ranked[0].score - matcher.weights.margin
    assert REASON in explain(matcher.index, analysis, ranked, 1).missing
    match = matcher.match(question)
    assert match.outcome is Outcome.ANSWER and match.best is not None
    assert match.best.id == "riyadh-opposition-meeting"


def test_a_rival_that_can_give_what_is_asked_is_offered_first() -> None:
    weights = Weights()
    top, rival = (
        Candidate(Answerable(ident, ident), score, frozenset({ident}), 1.0, 0.8, at)
        for at, (ident, score) in enumerate((("top", 80.0), ("rival", 79.0)))
    )
    whys = [_why("top", missing=(DATE,)), _why("rival")]
    decision = decide([top, rival], whys[0], weights, lambda at: whys[at])
    assert decision.outcome is Outcome.CLARIFY
    assert [c.item.id for c in decision.chosen] == ["rival", "top"]
    # Without the rivals' signals, the order is the ranking's.
    decision = decide([top, rival], whys[0], weights)
    assert [c.item.id for c in decision.chosen] == ["top", "rival"]


def test_a_rival_explaining_only_a_kind_word_the_top_gives_is_none() -> None:
    # "what date does the joint statement give …": the statement gives a date; a rival whose
    # phrasings say "date" explains nothing more.
    weights = Weights()
    top = Candidate(Answerable("top", "top"), 80.0, frozenset({"statement"}), 0.9, 0.8, 0)
    rival = Candidate(Answerable("rival", "rival"), 72.0, frozenset({"statement", "date"}), 1.0)
    decision = decide([top, rival], _why("top", kinds=frozenset({"date"})), weights)
    assert decision.outcome is Outcome.ANSWER
    decision = decide([top, rival], _why("top"), weights)
    assert decision.outcome is Outcome.CLARIFY


def test_a_rival_explaining_only_what_is_none(matcher: Matcher) -> None:
    # The statement's own card has a phrasing "what …"; what is asked about is sovereignty,
    # which only the sovereignty fact explains.
    question = "what did the statement say about syria's sovereignty"
    _, analysis = matcher.read(question)
    ranked = matcher.rank(analysis)
    top, runner_up = ranked[0], ranked[1]
    assert top.item.id == "js-sovereignty"
    assert runner_up.matched - top.matched == {"what"}
    assert runner_up.score >= top.score - matcher.weights.margin
    match = matcher.match(question)
    assert match.outcome is Outcome.ANSWER and match.best is not None
    assert match.best.id == "js-sovereignty"


def test_words_of_saying_and_of_relative_time_need_no_explaining(matcher: Matcher) -> None:
    # "mention", "refer to" ask what a text says, as "say" does; "after" is told by a fact
    # that dates it ("two days later").
    assert _answered_with(matcher, "did the statement mention prisoners") == "js-humanitarian"
    assert _answered_with(matcher, "which resolution did trump and putin refer to") == (
        "trump-putin-readout"
    )
    match = matcher.match("how many days after assad's visit was the three-way summit")
    assert match.why is not None and match.why.fact == "assad-visit-purpose"
    assert "after" not in match.why.unexplained


def test_what_a_plan_asks_is_no_outcome() -> None:
    for question in (
        "did they agree where the congress would take place",
        "did they say the congress would happen in sochi",
        "who was invited to the congress and when was it to be held",
    ):
        assert OUTCOME not in asked_kinds(question.split()), question
    for question in (
        "has the congress taken place",
        "has the congress been held",
        "didnt the congress take place",
    ):
        assert OUTCOME in asked_kinds(question.split()), question


def test_none_of_the_facts_giving_what_is_asked_is_no_choice(matcher: Matcher) -> None:
    # Neither the invitations nor the statement's call can say whether the congress was held:
    # the closest, not "Did you mean one of these?".
    why = _closest_why(matcher, "did the congress take place")
    assert OUTCOME in why.missing
    assert matcher.match("did the congress take place").closest is not None


def test_which_reads_an_adjective_as_one() -> None:
    assert which_named("what general agreement did lavrov say they reached".split()) is None
    assert which_named("what chief goal did the conference have".split()) is None
    assert which_named("which general met in sochi".split()) == ("general", "person")
    assert MEANING not in asked_kinds("what do they mean by a political solution".split())
    assert MEANING not in asked_kinds("what is meant by de-escalation zones".split())


def test_a_region_is_given_by_a_country(matcher: Matcher) -> None:
    # "In southern Turkey" says in which region, not in which city.
    match = matcher.match("which region did the foreign ministers meet in")
    assert match.why is not None and match.why.fact == "foreign-ministers-talks"
    assert match.why.unnamed is None
    assert _closest_why(matcher, "which city did the foreign ministers meet in").unnamed == "city"
