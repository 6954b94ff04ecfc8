"""What a question asks for (a number, a time, a place) and what a fact's text can give."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise

from bot.matching.lexicon import STOPWORDS

NUMBER, DURATION, PLACE, DATE, PERSON = "number", "duration", "place", "date", "person"
REASON = "reason"  # "why?", "what for?", "the purpose of …": a cause or a purpose
FUTURE = "future"  # "will they …?", "is it going to …?": what is to come, not what was
# "did it take place?", "who attended?", "what came of it?": what became of something, which a
# fact that tells only a plan (`planned:`) cannot say.
OUTCOME = "outcome"
MEANING = "meaning"  # "what did Zarif mean by glowing orbs?": what words meant, explained
TWEET = "tweet"  # "what did X tweet?": words a tweet gives, not a readout or a speech
HASHTAG, HANDLE = "hashtag", "handle"  # "which hashtag", "his Twitter handle": #…, @… in a text
DAY = "day"  # a fact's text gives a day of a month ("22 November"), not only a month or year
# What "exactly" asks for beyond a date or a place: a day, a place more precise than the base's.
EXACT_DATE, EXACT_PLACE = "exact date", "exact place"
_EXACT_WORDS = frozenset(("exactly", "precisely", "specifically", "exact", "precise"))
_NUMBER_WORDS = frozenset(
    "two three four five six seven eight nine ten eleven twelve dozen dozens hundred hundreds "
    "thousand thousands twice once several some".split()
)
_TIME_WORDS = frozenset(
    "hour hours day days week weeks month months year years since until minute minutes long".split()
)
_WHERE = frozenset("country city town place capital region province".split())
_TWEET_WORDS = frozenset("tweet tweeted tweets tweeting twitter retweet retweeted".split())
_BE = frozenset("is are was were be been".split())
_VAGUE = frozenset(("some", "several"))
_ANYONE = frozenset(("people", "persons", "ppl", "individuals"))
_YEAR = re.compile(r"^(19|20)\d\d$")
_MONTHS = frozenset(
    "january february march april may june july august september october november december".split()
)
_DATE_WORDS = _MONTHS | frozenset(
    "monday tuesday wednesday thursday friday saturday sunday day days week weeks month year "
    "yesterday today tomorrow earlier later before after since".split()
)
# What a fact's `answers:` names stand for (bot.factbase.ANSWERS).
DECLARED = {
    "when": DATE,
    "where": PLACE,
    "how many": NUMBER,
    "how long": DURATION,
    "why": REASON,
    "hashtag": HASHTAG,
    "handle": HANDLE,
}
# A text says what is to come: a plan, an agreement, a hope, a call, a date still ahead.
_FUTURE_TEXT = re.compile(
    r"\b(?:will|would|shall|plan|plans|planned|planning|agree|agreed|decide|decided|intend"
    r"|intends|continue|continued|next|again|future|upcoming|scheduled|until|expect|expected"
    r"|hope|hoped|urge|urged|call|called|aim|aimed|to be held|committed|determined)\b"
)
_OUTCOME_ASKED = re.compile(
    r"\b(?:happened|took place|taken place|went ahead|occurred|attended|participated|took part"
    r"|outcomes?|results?|came of|came out of|been held|been convened)\b"
    r"|\b(?:was|were)\b(?: \w+){0,4}? (?:held|convened|cancell?ed|postponed)\b"
    r"|\b(?:did|didnt|has|hasnt|have|havent|had)\b(?: \w+){0,6}? (?:happen|take place|go ahead"
    r"|occur|attend|participate|take part|succeed|convene)\b"
)
# "which groups", "what city": the kind of entity the answer must name one of.
_WHICH_HEADS = {
    "organisation": "group groups organisation organisations organization organizations body "
    "bodies faction factions militia militias delegation delegations",
    "place": "city cities town towns place places region regions area areas site sites",
    "country": "country countries nation nations",
    "person": "person people leader leaders official officials minister ministers president "
    "presidents diplomat diplomats journalist journalists chief chiefs general generals "
    "commander commanders officer officers delegate delegates",
    "document": "resolution resolutions document documents",
}
WHICH_KINDS = {word: kind for kind, words in _WHICH_HEADS.items() for word in words.split()}
# A region, an area, a place is given by a country too ("in southern Turkey"); a city is not.
WIDE_PLACES = frozenset("place places region regions area areas".split())
# … but not what was planned: "did they agree where it would take place", "to be held".
_PLAN_ASKED = re.compile(r"\b(?:would|will|could|should|supposed|due|planned|expected|to)\b")
# "what did Zarif mean by …": someone's words explained ("what do they mean by a political
# solution", "what is meant by …" ask what a thing is, which a fact about it tells).
_MEANING_ASKED = re.compile(
    r"\b(?:did|does|do)\b((?: \w+){1,4}) mean by\b|\b(?:was|is)\b((?: \w+){1,3}) referring to\b"
)
_PRONOUNS = frozenset("they he she it you we i them this that".split())
_MEANING_TEXT = re.compile(r"\b(?:meaning|means|meant|refers to|referring to|that is to say)\b")
# A text tells of something still to be held: what came of it, it cannot say.
_TO_BE_HELD = re.compile(r"\b(?:to be held|will be held|yet to take place)\b")
# A text gives a reason or a purpose: "because …", "so that …", "to brief them on …".
_REASON_TEXT = re.compile(
    r"\b(?:because|so that|in order|goal|aim|aimed|purpose|intended|reason|due to|owing to)\b"
    r"|\bto (?!(?:the|a|an|his|her|their|its|be|have|\d)\b)[a-z]{3,}"
)
_PLACE_BEFORE = ("in", "at", "to", "from", "of", "southern", "northern", "eastern", "western")
# Words that name the kind of answer wanted ("the date of the talks", "the summit's location"):
# a question using one asks for that kind, and a fact that gives it explains the word.
KIND_WORDS = {
    **dict.fromkeys(("date", "dates", "day", "month", "year"), DATE),
    **dict.fromkeys(("location", "venue", "city", "town"), PLACE),  # not "place": "take place"
    **dict.fromkeys(("reason", "reasons", "purpose", "motive", "motives"), REASON),
    **dict.fromkeys(("hashtag", "hashtags"), HASHTAG),
    **dict.fromkeys(("handle", "username"), HANDLE),
}
# A hashtag or a handle in a text as written (normalising drops the signs).
_MARKED = {HASHTAG: re.compile(r"(?<![\w&])#[A-Za-z_]\w*"), HANDLE: re.compile(r"(?<![\w.])@\w+")}


def wants(words: Sequence[str]) -> frozenset[str]:
    """What kind of answer a question asks for: a number, a length of time, a place."""
    found = set()
    for first, second in zip(words, [*words[1:], ""], strict=False):
        if first == "how" and second in ("many", "much"):
            found.add(NUMBER)
        elif first == "how" and second == "long":
            found.add(DURATION)
        elif first in ("where", "wheres"):
            found.add(PLACE)
    # "in which country …", "in what city …": where, in other words.
    for at in range(len(words) - 2):
        if words[at] == "in" and words[at + 1] in ("which", "what") and words[at + 2] in _WHERE:
            found.add(PLACE)
    return frozenset(found)


def asks_why(words: Sequence[str]) -> bool:
    """Whether a question asks for a reason: "why?", "why did he quit?", "what for?", "what
    was the conference for?" (not "what did they call for?")."""
    if "why" in words or tuple(words[-2:]) == ("what", "for"):
        return True
    return len(words) > 2 and words[0] == "what" and words[1] in _BE and words[-1] == "for"


def gives_reason(text: str) -> bool:
    """Whether a text says why: a cause ("because …") or a purpose ("to discuss …")."""
    return _REASON_TEXT.search(text.lower()) is not None


def _is_number(words: Sequence[str], at: int) -> bool:
    """Whether words[at] gives a count: "33 delegations", "ten people", not "20 November"."""
    word = words[at]
    if word in _NUMBER_WORDS:
        return True
    if not word.isdigit() or _YEAR.match(word):
        return False
    beside = {words[at - 1] if at else "", words[at + 1] if at + 1 < len(words) else ""}
    return not beside & _MONTHS


def asked_kinds(words: Sequence[str]) -> frozenset[str]:
    """Every kind of answer a question asks for: those of `wants`, and a date for "when"."""
    found = set(wants(words))
    # "When did ..." and "... when?", not "what did he say when they met".
    text = " ".join(words)
    if "when" in (*words[:2], *words[-1:]) or any(f"{w} date" in text for w in ("what", "which")):
        found.add(DATE)
    if asks_why(words):
        found.add(REASON)
    if "will" in words[:4] or "going to" in text:
        found.add(FUTURE)
    elif (outcome := _OUTCOME_ASKED.search(text)) and not _PLAN_ASKED.search(outcome.group()):
        found.add(OUTCOME)
    if _TWEET_WORDS & set(words):
        found.add(TWEET)
    meaning = _MEANING_ASKED.search(text)
    if meaning and not set((meaning.group(1) or meaning.group(2)).split()) & _PRONOUNS:
        found.add(MEANING)
    return frozenset(found)


_ALSO_ADJECTIVES = frozenset(("general", "chief", "official"))
_PAST_VERBS = frozenset("met went said spoke came took led gave told sent flew".split())
_WHO_THE = frozenset((be, "the") for be in _BE)


def which_named(words: Sequence[str]) -> tuple[str, str] | None:
    """The thing "which groups …?", "what other leaders …?", "which Turkish-backed rebel groups
    …?", "who were the military chiefs?" asks to be named, and its kind of entity; words that
    describe it may stand between, but no function word ("what did the leaders say" asks what,
    not which leaders)."""
    for at, word in enumerate(words):
        # "which of the groups"; but "what the chiefs plan" asks what they plan
        passed = {"which": ("other", "of", "the"), "what": ("other",)}.get(word, ())
        if word in ("which", "what"):
            start = at + 1
        elif word == "who" and tuple(words[at + 1 : at + 3]) in _WHO_THE:
            start = at + 3  # "who were the military chiefs?" asks to name them
        else:
            continue
        span = words[start : start + 4]
        for place, after in enumerate(span):
            following = span[place + 1] if place + 1 < len(span) else ""
            # "what general agreement", "what chief goal": an adjective, not the thing asked
            adjective = after in _ALSO_ADJECTIVES and following not in STOPWORDS
            verb = following.endswith("ed") or following in _PAST_VERBS
            if after in WHICH_KINDS and not (adjective and not verb):
                return after, WHICH_KINDS[after]
            if after in STOPWORDS and after not in passed:
                break
    return None


def named_kinds(words: Sequence[str]) -> frozenset[str]:
    """The kinds of answer a question names with a word of `KIND_WORDS` ("the date of …")."""
    return frozenset(KIND_WORDS[word] for word in words if word in KIND_WORDS)


def kinds_asked(words: Sequence[str]) -> frozenset[str]:
    """Every kind of answer a question asks for: by its question words (`asked_kinds`) and by
    a word that names one (`named_kinds`)."""
    return asked_kinds(words) | named_kinds(words)


def places_given(
    words: Sequence[str], places: Mapping[str, str], countries: Iterable[str]
) -> frozenset[str]:
    """The places (tokens, from `places`: name -> token) a text gives as where: "in X".

    "The city of Sochi" gives a place; "the president of Iran" does not.
    """
    text = f" {' '.join(words)} "
    nations = set(countries)
    return frozenset(
        token
        for place, token in places.items()
        for before in _PLACE_BEFORE
        if (before != "of" or token not in nations) and f" {before} {place} " in text
    )


def exact(words: Sequence[str]) -> bool:
    """Whether a question asks for precision: "where exactly", "what date precisely", "the
    exact location"; and "on what date", "which day": a day, not a month."""
    if any(word in _EXACT_WORDS for word in words):
        return True
    return any(a in ("what", "which") and b in ("date", "day") for a, b in pairwise(words))


def _is_day(words: Sequence[str], at: int) -> bool:
    """Whether words[at] is the day of a date: "22 November", "November 22"."""
    if not words[at].isdigit() or len(words[at]) > 2:
        return False
    beside = {words[at - 1] if at else "", words[at + 1] if at + 1 < len(words) else ""}
    return bool(beside & _MONTHS)


def is_tweet(title: str, publisher: str) -> bool:
    """Whether a source is a tweet, by its title or publisher ("Tweet by …", "… on Twitter")."""
    return "tweet" in title.lower() or "twitter" in publisher.lower()


def marked_kinds(texts: Iterable[str]) -> frozenset[str]:
    """What texts as written give of `HASHTAG` and `HANDLE`: "#SochiSummit", "@JZarif"."""
    return frozenset(kind for kind, mark in _MARKED.items() if any(map(mark.search, texts)))


def counted(words: Sequence[str]) -> str | None:
    """What "how many X" asks to count: "how many times …" -> "times"; None when it names
    nothing ("how many are there?") or people in general, who go by many names."""
    for at in range(len(words) - 2):
        if words[at] == "how" and words[at + 1] == "many":  # "how much time": how long
            noun = words[at + 2]
            return None if noun in STOPWORDS or noun in _ANYONE else noun
    return None


def counts_given(words: Sequence[str]) -> frozenset[str]:
    """The words a text gives a count of: "33 delegations", "ten opposition members" (a
    word or two after the number; "twice": times). "Some", "several" count nothing."""
    found = {"times" for word in words if word in ("once", "twice")}
    for at in range(len(words)):
        if words[at] not in _VAGUE and _is_number(words, at):
            found.update(words[at + 1 : at + 3])
    return frozenset(found)


def kinds_of_answer(words: Sequence[str], places: Iterable[str]) -> frozenset[str]:
    """The kinds of answer a fact's text can give (see `wants`), and whether it gives a day."""
    found = set()
    if any(_is_day(words, at) for at in range(len(words))):
        found.add(DAY)
    if any(_is_number(words, at) for at in range(len(words))):
        found.add(NUMBER)
    if any(word in _TIME_WORDS for word in words):
        found.add(DURATION)
    if any(word in _DATE_WORDS or _YEAR.match(word) for word in words):
        found.add(DATE)
    text = f" {' '.join(words)} "
    if any(f" {before} {place} " in text for place in places for before in _PLACE_BEFORE):
        found.add(PLACE)
    if gives_reason(text):
        found.add(REASON)
    if _FUTURE_TEXT.search(text):
        found.add(FUTURE)
    if not _TO_BE_HELD.search(text):
        found.add(OUTCOME)
    if _MEANING_TEXT.search(text):
        found.add(MEANING)
    return frozenset(found)
