"""The matcher: reading questions, the three decisions, and quality over the real fact base."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot.matching.index
from bot import normalization
from bot.config import PROJECT_KNOWLEDGE
from bot.dialogues import is_dialogue_set, load_dialogues
from bot.evaluation import evaluate, load_questions
from bot.factbase import EVAL_DIR, FactBase, load
from bot.matching import Matcher, Outcome, entity_token, timeline
from bot.matching.asked import NUMBER, kinds_of_answer
from bot.replies import Answerer
from tests.conftest import WriteFiles


@pytest.fixture(scope="module")
def real_base() -> FactBase:
    return load(PROJECT_KNOWLEDGE)


@pytest.fixture(scope="module")
def matcher(real_base: FactBase) -> Matcher:
    return Matcher(real_base)


# --- reading a question ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "entity"),
    [
        ("Rouhani", "rouhani"),
        ("Rohani", "rouhani"),
        ("the Iranian president", "rouhani"),
        ("Erdoğan", "erdogan"),
        ("ERDOGAN", "erdogan"),
        ("the Turkish presidents", "erdogan"),
        ("Bashar al-Assad", "assad"),
        ("al Assad", "assad"),
        ("the Russian president", "putin"),
        ("Putin's", "putin"),
        ("Putin’s", "putin"),
        ("Daesh", "isis"),
        ("ISIL", "isis"),
        ("el-Sissi", "sisi"),
        ("erdogn", "erdogan"),
        ("rouhanni", "rouhani"),
    ],
)
def test_names_and_their_spellings_fold_to_one_entity(
    matcher: Matcher, spelling: str, entity: str
) -> None:
    analysis = matcher.analyse(f"what did {spelling} say", correct=True)
    assert entity_token(entity) in analysis.entities


def test_the_longest_alias_wins(matcher: Matcher) -> None:
    # "the Russian president" is Putin; "Russian" alone is the country.
    assert matcher.analyse("the Russian president").entities == (entity_token("putin"),)
    assert matcher.analyse("Russian troops").entities == (entity_token("russia"),)


@pytest.mark.parametrize(
    ("name", "entity"),
    [
        ("the Israeli PM", "netanyahu"),  # the sources give "Israel's Prime Minister"
        ("the Syrian leader", "assad"),  # ... "Syrian President"
        ("the Russian FM", "lavrov"),
        ("the trilateral summit", "sochi-summit-event"),  # ... "the tripartite summit"
        ("the Kremlin leader", None),  # no title of Putin's says Kremlin
        ("the Russian PM", None),  # Putin is the president
        ("the Iranian FM", None),  # the sources never give Zarif's office
        ("the leader", None),  # a title in other words needs what it is a title of
    ],
)
def test_a_title_in_other_words_names_whom_the_title_names(
    matcher: Matcher, name: str, entity: str | None
) -> None:
    found = matcher.analyse(f"who is {name}").entities
    kinds = {token: matcher.index.entity_by_token[token].kind for token in found}
    titled = [token for token in found if kinds[token] not in ("country", "organisation")]
    assert titled == ([entity_token(entity)] if entity else [])


def test_a_person_of_their_own_country_is_that_person(matcher: Matcher) -> None:
    salman, saudi = entity_token("king-salman"), entity_token("saudi-arabia")
    assert matcher.analyse("who is King Salman of Saudi Arabia").entities == (salman,)
    # Putin's country is Russia: "of Turkey" still names Turkey.
    assert matcher.analyse("Putin of Turkey").entities == (
        entity_token("putin"),
        entity_token("turkey"),
    )
    assert saudi in matcher.analyse("King Salman and Saudi Arabia").entities


def test_english_words_are_not_corrected_into_the_base_vocabulary(matcher: Matcher) -> None:
    assert "join" in matcher.analyse("join", correct=True).terms
    assert "weather" in " ".join(matcher.analyse("weather", correct=True).terms)


def test_a_swapped_pair_of_letters_is_one_slip(matcher: Matcher) -> None:
    corrected = matcher.analyse("militray cheifs", correct=True)
    expected = matcher.analyse("military chiefs")
    assert corrected.content == expected.content


def test_answering_does_not_rescan_the_base(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    original = normalization.normalize  # what bot.matching.index calls by this name

    def counting(text: str) -> str:
        nonlocal calls
        calls += 1
        return original(text)

    monkeypatch.setattr(bot.matching.index, "normalize", counting)
    matcher.match("When did Assad visit Sochi?")
    # The question itself is normalised; no phrasing or answer of the base is.
    assert calls <= 3


# --- decisions on the real base ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("When did Assad visit Sochi?", "assad-visits-sochi"),
        ("when did asad go to sochi", "assad-visits-sochi"),
        ("How long did Assad and Putin meet?", "assad-meeting-secrecy"),
        ("what did lavrov say about the talks", "lavrov-on-talks"),
        ("How long did Putin speak with Trump?", "putin-trump-call"),
        ("who is the russian president", "putin"),
        ("who is Rohani?", "rouhani"),
        ("33 delegations", "congress-invitations"),
        ("Riyad Hijab resignation", "hijab-resignation"),
        ("will the presidents meet again", "js-meet-again"),
        ("what is ISIL's last stronghold in syria", "abu-kamal"),
    ],
)
def test_clear_questions_are_answered_with_their_fact(
    matcher: Matcher, question: str, fact: str
) -> None:
    match = matcher.match(question)
    assert match.outcome is Outcome.ANSWER, match
    assert match.best is not None and match.best.id == fact


@pytest.mark.parametrize(
    "question",
    [
        "weather in Sochi",
        "Where is Abu Dhabi?",
        "When was Putin born?",
        "what's the capital of France",
        "bitcoin price",
        "asdfghjkl",
        "",
        "   ",
        "???",
        "🙂🙂🙂",
    ],
)
def test_questions_outside_the_base_are_never_answered(matcher: Matcher, question: str) -> None:
    assert matcher.match(question).outcome is not Outcome.ANSWER


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("hi", "greeting"),
        ("Hello!", "greeting"),
        ("thanks", "thanks"),
        ("thank you!!", "thanks"),
        ("ok", "acknowledgement"),
        ("Interesting!", "acknowledgement"),
        ("got it, thanks", "acknowledgement"),
        ("Hmm, that's helpful.", "acknowledgement"),
    ],
)
def test_small_talk_gets_no_fact(matcher: Matcher, message: str, kind: str) -> None:
    match = matcher.match(message)
    assert match.outcome is Outcome.FALLBACK
    assert match.smalltalk == kind
    assert match.best is None


def test_a_greeting_with_a_question_answers_the_question(matcher: Matcher) -> None:
    match = matcher.match("hi, when did Assad visit Sochi?")
    assert match.outcome is Outcome.ANSWER
    assert match.best is not None and match.best.id == "assad-visits-sochi"


def test_thanking_inside_a_question_is_not_small_talk(matcher: Matcher) -> None:
    assert matcher.match("did assad thank russia").smalltalk is None


def test_fallback_suggests_what_it_knows_about_the_entities_named(matcher: Matcher) -> None:
    match = matcher.match("what is the population of Sochi")
    assert match.outcome is not Outcome.ANSWER
    assert match.suggestions
    sochi = entity_token("sochi")
    for item in match.suggestions:
        assert sochi in matcher.index.item_entities[matcher.index.item_index[item.id]]


def test_timeline_is_in_date_order_and_same_day_events_in_source_order(
    real_base: FactBase,
) -> None:
    events = timeline(real_base)
    keys = [fact.date.sort_key() for fact in events if fact.date]
    assert keys == sorted(keys)
    same_day = [fact.id for fact in events if str(fact.date) == "22 Nov 2017"]
    assert same_day.index("sochi-summit") < same_day.index("riyadh-opposition-meeting")


# --- decisions on a small base where the answer is known -----------------------------------


def test_two_facts_asked_the_same_way_are_clarified(
    mini_base_dir: Path, write_tree: WriteFiles
) -> None:
    write_tree(
        mini_base_dir,
        {
            "facts/twin.yaml": """\
facts:
  - id: assad-sochi-twin
    answer: Assad was in Sochi on 20 November 2017.
    questions:
      - When did Assad visit Sochi?
    source: iran-primer
    quote: Syrian President Bashar al Assad visited the Russian resort city of Sochi
""",
        },
    )
    match = Matcher(load(mini_base_dir)).match("When did Assad visit Sochi?")
    assert match.outcome is Outcome.CLARIFY
    assert {item.id for item in match.suggestions} >= {"assad-visits-sochi", "assad-sochi-twin"}


def test_the_mini_base_answers_fuzzy_questions(mini_base: FactBase) -> None:
    match = Matcher(mini_base).match("when did asad go to sochy")
    assert match.outcome is Outcome.ANSWER
    assert match.best is not None and match.best.id == "assad-visits-sochi"


# --- quality over the real base: the moderators' gate -------------------------------------


def test_the_question_set_meets_its_floors(real_base: FactBase) -> None:
    questions = load_questions(PROJECT_KNOWLEDGE / EVAL_DIR / "questions.yaml")
    in_scope = [case for case in questions.cases if case.expect is not None]
    assert len(in_scope) >= 250
    assert len(questions.cases) - len(in_scope) >= 60
    answerer = Answerer(real_base)
    result = evaluate(questions, answerer.ask, answerer.answered_by)
    assert result.failures() == [], result.table()


@pytest.mark.parametrize("name", ["first", "second", "third", "fourth"])
def test_the_blind_sets_ask_for_facts_the_base_has(real_base: FactBase, name: str) -> None:
    # Their figures (docs/figures.md): rerun `python -m bot eval benchmarks/blind/NAME.yaml`.
    questions = load_questions(PROJECT_KNOWLEDGE.parent / "benchmarks" / "blind" / f"{name}.yaml")
    expected = {case.expect for case in questions.cases if case.expect is not None}
    assert expected
    assert expected <= set(real_base.facts) | set(real_base.entities)


# --- kinds of question ----------------------------------------------------------------------


def test_whose_words_a_question_asks_for_must_be_the_facts_speakers(matcher: Matcher) -> None:
    rouhani = matcher.match("what did rouhani say at the summit")
    assert rouhani.best is not None and rouhani.best.id == "rouhani-pleased"
    # The text quotes no words of Erdogan: Rouhani's words are no answer.
    assert matcher.match("what did erdogan say at the summit").outcome is not Outcome.ANSWER


def test_how_many_needs_a_fact_with_a_number(matcher: Matcher) -> None:
    assert matcher.match("how many delegations were invited").outcome is Outcome.ANSWER
    assert matcher.match("how many russian soldiers are in syria").outcome is not Outcome.ANSWER


def test_capital_aliases_count_only_in_capitals(matcher: Matcher) -> None:
    assert entity_token("isis") in matcher.analyse("where did IS lose its stronghold").entities
    assert entity_token("isis") not in matcher.analyse("where is abu kamal").entities
    # A message typed in capitals says nothing by its capitals.
    assert entity_token("isis") not in matcher.analyse("WHAT IS THE SOCHI SUMMIT").entities


def test_small_talk_is_taken_only_around_a_question(matcher: Matcher) -> None:
    match = matcher.match("assad thanks russia")
    assert match.smalltalk is None
    assert match.best is not None and match.best.id == "assad-gratitude"
    assert matcher.match("who is lavrov? thanks").outcome is Outcome.ANSWER


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("meting", "meeting"), ("resined", "resigned"), ("whit", "white"), ("22nd", "22")],
)
def test_slips_are_corrected_but_names_and_words_are_kept(
    matcher: Matcher, typed: str, meant: str
) -> None:
    assert matcher.analyse(typed, correct=True).content == matcher.analyse(meant).content


@pytest.mark.parametrize("word", ["douma", "join", "macron"])
def test_words_english_knows_are_not_corrected(matcher: Matcher, word: str) -> None:
    assert matcher.analyse(word, correct=True).content == matcher.analyse(word).content


@pytest.mark.parametrize(("word", "entity"), [("hassan", "rouhani"), ("leonid", "slutsky")])
def test_a_persons_first_name_alone_names_them(matcher: Matcher, word: str, entity: str) -> None:
    assert entity_token(entity) in matcher.analyse(f"what did {word} say").entities


def test_ordinary_words_of_names_name_no_one(matcher: Matcher) -> None:
    # "White House" and "King Salman" hold ordinary words that name no one alone.
    assert matcher.analyse("the white car").entities == ()


# --- the decision on the top candidate: what is asked, what is unexplained, whose words ------


@pytest.mark.parametrize(
    ("question", "fact", "kind"),
    [
        ("how many russian soldiers are in syria", "russia-backs-assad", "number"),
        ("how long did the military chiefs meet", "military-chiefs-meeting", "duration"),
        ("when did iran start supporting syria", "iran-supports-syria", "date"),
    ],
)
def test_a_fact_that_cannot_give_the_kind_asked_for_is_never_the_answer(
    matcher: Matcher, question: str, fact: str, kind: str
) -> None:
    match = matcher.match(question)
    assert match.why is not None and kind in match.why.missing
    assert match.outcome is Outcome.FALLBACK
    # Shown as the closest, or, when it explains under half the question, offered first.
    shown = match.closest if match.closest is not None else match.candidates[0].item
    assert shown.id == fact


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("how many delegations were invited", "number"),
        ("how long did Putin speak with Trump?", "duration"),
        ("When did Assad visit Sochi?", "date"),
        ("where did the foreign ministers meet", "place"),
    ],
)
def test_a_fact_that_gives_the_kind_asked_for_is_answered(
    matcher: Matcher, question: str, kind: str
) -> None:
    match = matcher.match(question)
    assert match.why is not None and kind in match.why.asked and not match.why.missing
    assert match.outcome is Outcome.ANSWER


def test_a_date_in_an_answer_is_no_count() -> None:
    assert NUMBER not in kinds_of_answer("on 20 november 2017 assad visited".split(), [])
    assert NUMBER in kinds_of_answer("russia invited some 33 delegations".split(), [])


def test_a_rare_unexplained_word_weighs_more_than_a_common_one(matcher: Matcher) -> None:
    rare = matcher.match("what hashtag did lavrov use").why
    common = matcher.match("is there a photo of assad and putin together").why
    assert rare is not None and common is not None
    assert rare.unexplained == ("hashtag",) and common.unexplained == ("together",)
    assert rare.specific[0] > common.specific[0]


def test_words_of_the_fact_are_explained_even_inside_a_name(matcher: Matcher) -> None:
    # "statement" is part of the name "joint statement", which the question does not use whole.
    why = matcher.match("what did the statement say about the tension reduction zones").why
    assert why is not None and "statement" not in why.unexplained


@pytest.mark.parametrize(
    ("question", "speaker"),
    [
        ("what did netanyahu tell putin on the phone", "netanyahu"),
        ("tell me what zarif tweeted about the summit", "zarif"),
        ("has erdogan commented on the summit", "erdogan"),
        ("what did lavrov really say", "lavrov"),
        ("Was Assad's meeting with Putin announced in advance?", None),
        ("who did putin call after the summit", None),
        # "announce" also means made public: no words are asked for.
        ("when did russia announce the assad visit", None),
        # A country speaks through its people, named or described.
        ("what did iran say about the summit", "iran"),
        ("what did the iranian foreign minister say about the talks", "iran"),
        ("what did putin's aide say about assad", None),
        # Someone of Turkey, whoever's counterpart he is.
        ("what did lavrov's turkish counterpart say after the talks", "turkey"),
    ],
)
def test_whose_words_are_asked_for(matcher: Matcher, question: str, speaker: str | None) -> None:
    why = matcher.match(question).why
    assert why is not None and why.speaker == speaker


def test_a_person_the_fact_does_not_quote_gets_the_closest_not_an_answer(
    matcher: Matcher,
) -> None:
    match = matcher.match("what did netanyahu tell putin on the phone")
    assert match.why is not None and match.why.unquoted_person
    assert match.outcome is Outcome.FALLBACK
    assert match.closest is not None and match.closest.id == "putin-calls-leaders"
    quoted = matcher.match("tell me what zarif tweeted about the summit")
    assert quoted.best is not None and quoted.best.id == "zarif-tweet"


def test_a_speaker_speaks_for_his_country(matcher: Matcher) -> None:
    why = matcher.match("what did iran say about the summit").why
    assert why is not None and why.speaker == "iran" and why.speaker_quoted
    assert why.fact == "rouhani-pleased"  # Rouhani's words, and Rouhani is Iran's


def test_a_fact_that_quotes_no_one_never_gives_a_countrys_words(matcher: Matcher) -> None:
    match = matcher.match("what did turkey say about the riyadh meeting")
    assert match.why is not None and match.why.speaker == "turkey"
    assert match.why.unquoted_person and match.outcome is Outcome.FALLBACK


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("who is the turkish foreign minister", True),  # the talks name only Russia's
        ("who is Iran's foreign minister?", True),
        ("who is the russian foreign minister", False),  # an alias: Lavrov is named
    ],
)
def test_who_is_a_described_person_needs_one_of_that_country_named(
    matcher: Matcher, question: str, missing: bool
) -> None:
    match = matcher.match(question)
    assert match.why is not None and ("person" in match.why.missing) is missing
    assert (match.outcome is Outcome.ANSWER) is not missing


def test_a_closest_answer_says_who_is_not_given(real_base: FactBase) -> None:
    reply = Answerer(real_base).ask("who is the turkish foreign minister")
    assert reply.closest is not None and reply.closest.id == "foreign-ministers-talks"
    assert reply.text().startswith("My sources don't say who. What they say:\n")


def test_the_us_after_the_is_a_name_not_the_pronoun(matcher: Matcher) -> None:
    assert "us" in matcher.analyse("did putin speak with the us president").content
    assert "us" not in matcher.analyse("tell us about the putin trump call").content


def test_the_why_object_names_every_signal(matcher: Matcher) -> None:
    why = matcher.match("what hashtag did lavrov use").why
    assert why is not None
    assert set(why.to_json()) == {
        "fact",
        "score",
        "margin",
        "explained",
        "overlap",
        "unexplained",
        "specificity",
        "asked",
        "missing",
        "speaker",
        "speaker_quoted",
        "unquoted_person",
        "missing_entities",
        "head",
        "nobody",
        "absent_person",
        "unnamed",
        "answerable",
    }
    assert 0.0 <= why.answerable <= 1.0
    assert why.to_json()["unexplained"] == {"hashtag": 1.0}


def test_asking_back_is_always_between_two_or_three_different_facts(real_base: FactBase) -> None:
    matcher = Matcher(real_base)
    asked_back = 0
    for path in sorted((PROJECT_KNOWLEDGE / EVAL_DIR).glob("*.yaml")):
        if is_dialogue_set(path):
            turns = load_dialogues(path).dialogues
            questions = [turn.question for dialogue in turns for turn in dialogue]
        else:
            questions = [case.question for case in load_questions(path).cases]
        for question in questions:
            match = matcher.match(question)
            if match.outcome is Outcome.CLARIFY:
                asked_back += 1
                ids = [item.id for item in match.suggestions]
                assert 2 <= len(ids) <= 3 and len(set(ids)) == len(ids), question
    assert asked_back  # the set does hold questions asked back


def test_the_near_misses_meet_their_floor(real_base: FactBase) -> None:
    questions = load_questions(PROJECT_KNOWLEDGE / EVAL_DIR / "near-misses.yaml")
    assert len(questions.cases) >= 100
    assert all(case.expect is None for case in questions.cases)
    answerer = Answerer(real_base)
    result = evaluate(questions, answerer.ask, answerer.answered_by)
    assert result.failures() == [], result.table()


def test_a_phrasing_asking_for_someones_words_says_the_fact_gives_them(
    mini_base_dir: Path, write_tree: WriteFiles
) -> None:
    question = "what did putin say to assad in sochi"
    before = Matcher(load(mini_base_dir)).match(question)
    assert before.why is not None and before.why.unquoted_person
    assert before.outcome is Outcome.FALLBACK
    write_tree(
        mini_base_dir,
        {
            "learned.yaml": f"""\
learned:
  - question: {question}
    fact: assad-visits-sochi
    by: alice
    at: '2017-11-23T09:30:00+00:00'
""",
        },
    )
    after = Matcher(load(mini_base_dir)).match(question)
    assert after.outcome is Outcome.ANSWER
    assert after.best is not None and after.best.id == "assad-visits-sochi"


def test_a_word_found_only_in_one_name_points_to_that_name(matcher: Matcher) -> None:
    # "resolution" is in the base only as part of "UN Security Council Resolution 2254".
    assert matcher.index.name_parts["resolut"] == entity_token("resolution-2254")
    analysis = matcher.analyse("which resolution did trump and putin mention", correct=True)
    assert entity_token("resolution-2254") in analysis.content
    # It points there without naming it outright: no fact is faulted for not mentioning it.
    assert entity_token("resolution-2254") not in analysis.entities
    match = matcher.match("which resolution did trump and putin mention")
    assert match.outcome is Outcome.ANSWER and match.best is not None
    assert match.best.id == "trump-putin-readout"


def test_a_word_used_alone_or_in_several_names_points_nowhere(matcher: Matcher) -> None:
    parts = matcher.index.name_parts
    assert "summit" not in parts  # used alone throughout the base
    assert "process" not in parts  # the Astana process, the Geneva process
    assert all(term not in parts for term in ("white", "front", "arab"))  # other kinds


def test_a_fact_naming_a_document_mentions_what_its_name_holds(matcher: Matcher) -> None:
    # The summit's statement names "UN Security Council Resolution 2254", never the UN alone:
    # the resolution's name holds the UN, so a question about the UN's resolution is not
    # taken to be about something the statement never mentions.
    index = matcher.index
    statement = next(
        at for at, item in enumerate(index.items) if item.id == "joint-statement-summit"
    )
    assert entity_token("united-nations") not in index.item_weights[statement]
    assert entity_token("united-nations") in index.item_entities[statement]
    match = matcher.match("which un resolution does the joint statement cite")
    assert match.why is not None and match.why.fact == "joint-statement-summit"
    assert "united-nations" not in match.why.missing_entities


@pytest.mark.parametrize("negation", ["doesn't", "doesnt", "won't", "can't", "aren't", "hasn't"])
def test_a_negated_auxiliary_is_a_function_word(matcher: Matcher, negation: str) -> None:
    # Typed with or without its apostrophe, "doesn't" carries no topic, like "didn't": it is
    # not weighed as a word the base has never seen.
    plain = matcher.analyse("did the violence come back", correct=True)
    negated = matcher.analyse(f"the violence {negation} come back", correct=True)
    assert negated.content == plain.content


@pytest.mark.parametrize("phrase", ["according to", "per"])
def test_according_to_is_a_function_word(matcher: Matcher, phrase: str) -> None:
    # "according to Rouhani", "per the statement" say whose words are asked for: the name
    # carries it, and "according" is no topic the fact must explain.
    plain = matcher.analyse("what are the three countries committed to rouhani", correct=True)
    said = matcher.analyse(f"what are the three countries committed to {phrase} rouhani", True)
    assert said.content == plain.content
    match = matcher.match("what are the three countries committed to according to rouhani")
    assert match.outcome is Outcome.ANSWER and match.best is not None
    assert match.best.id == "rouhani-pleased"


def test_a_slip_of_a_function_word_is_read_as_one(matcher: Matcher) -> None:
    # "agian" and "thay" are slips of no word with a topic: read as "again" and a function
    # word, not weighed as words the base has never seen.
    analysis = matcher.analyse("did thay talk about the summit agian", correct=True)
    assert analysis.words == ("did", "that", "talk", "about", "the", "summit", "again")
    assert "thay" not in analysis.content
    # A slip of a word with a topic is still read as that word, not as a function word.
    assert matcher.analyse("the sochi sumit", correct=True).words[-1] == "summit"
    # A word English knows is left as typed ("thee" is no slip of "then").
    assert matcher.analyse("thee summit", correct=True).words[0] == "thee"
