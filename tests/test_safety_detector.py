"""The safety net's detector: danger is heard in Dutch, Flemish, English and chat spelling, by
tier and category, and everyday doubt, idioms and stories told at a distance are not.

The phrasings an earlier detector was built on live on in the corpus
(tests/safety/corpus/dev/regression.tsv); how well the net generalises is measured there
(`make safety-report`).
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app.cli import main
from bot.safety import (
    CATEGORIES,
    NONE,
    Assessment,
    Detector,
    VocabularyError,
    assess,
    detector,
    load,
)
from bot.safety.match import Found
from bot.safety.sieve import Sieve
from bot.safety.vocabulary import Lookalike, shipped
from tests.safety.report import lines as corpus_lines

REFLECTION = (
    "Als ik eerlijk ben, merk ik dat de twijfel vooral opkomt na een fijn weekend. Dan wordt het "
    "me te veel en trek ik me terug. Mijn vader liet nooit zien wat hij voelde, en ik heb geleerd "
    "om alles zelf op te lossen. Ik vergelijk haar soms met mijn ex, die veel avontuurlijker was, "
    "en dat voelt oneerlijk. Eigenlijk verlang ik naar rust en naar vrijheid tegelijk. Ik ben "
    "bang om me te binden, en tegelijk bang om haar kwijt te raken. Deze week wil ik één keer "
    "hardop zeggen wat ik voel, ook als dat spannend is. "
)


def _reflection(length: int) -> str:
    """A long, ordinary answer to a course question."""
    return (REFLECTION * (length // len(REFLECTION) + 1))[:length]


@pytest.mark.parametrize(
    ("message", "tier", "category"),
    [
        ("ik wil dood", "concern", "suicide"),
        ("ik spaar pillen", "acute", "suicide_plan"),
        ("ik wil er niet meer zijn, vanavond neem ik al mijn pillen", "acute", "suicide_plan"),
        ("ik heb afscheidsbrieven geschreven", "acute", "suicide_plan"),
        ("I want to jump off the bridge tonight", "acute", "suicide_plan"),
        ("ik snij mezelf", "concern", "selfharm"),
        ("hij slaat me", "concern", "violence"),
        ("hij slaat me nu, help", "acute", "violence"),
        ("hij staat met een mes in de keuken en schreeuwt dat hij me afmaakt", "acute", "violence"),
        ("hij bedreigt me", "concern", "threat"),
        ("ik ben bang voor mijn vriend", "concern", "fear"),
        ("hij controleert elke avond mijn telefoon", "concern", "control"),
        ("hij heeft me verkracht", "concern", "sexual"),
        ("mijn ex volgt me overal naartoe", "concern", "stalking"),
        ("hij slaat onze zoon", "concern", "children"),
    ],
)
def test_a_signal_has_its_tier_and_category(message: str, tier: str, category: str) -> None:
    found = assess(message)
    assert (found.tier, found.category) == (tier, category), found.why


@pytest.mark.parametrize(
    ("message", "heard"),
    [
        ("ik wil niet dood", False),
        ("hij heeft me nog nooit geslagen", False),
        ("hij slaat me niet, hij duwt me alleen heel hard tegen de muur", True),
        ("ik weet niet waarom hij me slaat", True),
        ("vroeger sloeg mijn ex me, maar dat is voorbij en nu ben ik veilig", False),
        ("vroeger sloeg mijn ex me, ik dacht dat het voorbij was maar gisteren weer", True),
        ("in de serie die we keken sloeg de man zijn vrouw, dat maakte veel los", False),
        ("ik was drie maanden clean maar gisteren heb ik weer gesneden", True),
    ],
)
def test_denial_time_and_distance_are_read_with_care(message: str, heard: bool) -> None:
    assert assess(message).danger is heard, assess(message).why


@pytest.mark.parametrize(
    ("message", "heard"),
    [
        # A past far behind that goes well now, also said in the next sentence.
        ("Vroeger sneed ik mezelf. Nu gaat het al jaren goed met me.", False),
        ("I self-harmed as a teenager. I'm fine now and have been for a decade.", False),
        ("Als tiener wilde ik dood. Dat is twintig jaar voorbij en ik ben gelukkig.", False),
        # ... but not when it came back, or when "better" is denied.
        ("Vroeger sneed ik mezelf, en nu is het weer begonnen.", True),
        ("Vroeger wilde ik dood en het wordt nooit beter.", True),
        # Years gone by are a past far behind, also said looking back from the next sentence...
        (
            "Bij mijn ex was ik altijd bang wat hij zou zeggen als ik thuiskwam. Dat is nu drie "
            "jaar geleden en het is rustig bij Tom.",
            False,
        ),
        # ... not where they tell when the harm began.
        ("Twee jaar geleden begon hij me te slaan. Nu gaat het goed op mijn werk.", True),
        ("Hij slaat me sinds twee jaar geleden, maar het gaat nu goed met de kinderen.", True),
        # A denial inside a condition does not reach what follows it.
        ("als hij mij vanavond nie terugbelt rij ik mijn auto tegen nen boom", True),
        # Someone else's act, and tracking both partners chose.
        ("hij springt van het dak van de schuur in het zwembad, echt een kind", False),
        ("we volgen elkaars locatie op Find My, allebei akkoord", False),
        ("hij volgt mijn locatie zonder dat ik het weet", True),
        # The writer's own childhood, which the course asks about, is no child at home now...
        (
            "mocht als kind niet huilen van mn moeder, dan werd ze boos. nu huil ik stiekem lol",
            False,
        ),
        (
            "Als klein kind verstopte ik me als mijn ouders ruzie hadden. Nu zoek ik de rust op.",
            False,
        ),
        # A job in the clause does not make the writer's own lack of freedom someone else's.
        ("I'm not allowed to see the nurse alone. He answers all her questions for me.", True),
        # A film is a story told, unless it is only where the writer's child is harmed at home.
        ("In de film sluit de vader zijn zoon op in de kelder.", False),
        ("Hij sloot onze zoon op in de kelder omdat hij huilde bij een horrorfilm.", True),
        ("The news about that school shooting wrecked me. I hugged my kids extra long.", False),
        # ... but a child of theirs is, also beside the writer's childhood.
        ("als mijn kind huilt wordt hij boos en slaat hij haar", True),
        (
            "Als kind werd ik geslagen door mijn vader en nu slaat hij mijn dochter als ze huilt",
            True,
        ),
    ],
)
def test_a_past_long_over_a_condition_and_someone_else_are_read(message: str, heard: bool) -> None:
    assert assess(message).danger is heard, assess(message).why


@pytest.mark.parametrize(
    "message",
    [
        "ik heb pils gekocht voor het feest vanavond",
        "I bought a new pillow for his side of the bed",
        "hoe laat gaat de trein naar Gent morgen?",
        "we hebben gas gekocht voor de barbecue",
        "ik ga het mes slijpen voor de kerstkalkoen",
        "ik heb een riem gekocht voor zijn verjaardag",
        "I took an ibuprofen for my back and went to bed early",
        "de strips van Suske en Wiske heb ik bewaard voor later",
        "Mijn kamer is opgeruimd voor wie mij leuk vindt: de date komt om acht uur",
        "I tidied the living room for whoever finds my keys first, it is a game we play",
    ],
)
def test_an_everyday_object_is_no_plan(message: str) -> None:
    """A means or a place alone is not a plan: the act, a stockpile or a time makes one."""
    assert assess(message).tier != "acute", assess(message).why


@pytest.mark.parametrize(
    "message",
    [
        "de pillen liggen klaar voor vannacht",
        "ik heb mijn slaappillen gespaard, het zijn er nu genoeg",
        "ik weet wanneer de sneltrein hier voorbij raast",
        "Ik heb een koord gekocht in de Brico en ik heb al een plek gezocht",
        "I've been saving up my sleeping pills",
        # a means a sentence away from the word, and the spot chosen
        "Zelfmoord klinkt hard, maar zo voelt het niet. Het voelt als rust. Ik heb het mes al in "
        "mijn tas.",
        "I drove to the cliffs today to look at the spot. I'll go back Sunday.",
        "ik heb mn kat bij mn zus gebracht, zei dat het voor een paar weken is. "
        "ik heb alles geregeld",
        "I'm parked by the lake with a bottle of vodka and my pills. Sorry for this message.",
    ],
)
def test_a_plan_without_the_word_for_it_is_acute(message: str) -> None:
    assert assess(message).tier == "acute", assess(message).why


@pytest.mark.parametrize(
    "message",
    [
        # "volgende" is "next", not a form of "volgen" (to follow)
        "Ik ben zenuwachtig voor mijn examen volgende week, hij oefent elke avond met me.",
        # one word, not "verstop" and "pertje"
        "De kinderen hebben verstoppertje gespeeld en hij deed gewoon mee.",
        # laughter of any length is a joke: a threat said big stays an idiom
        "hahah ik vermoord m als ie weer mn laatste stuk pizza pakt",
        "Ik zou wel onder een steen willen kruipen na die presentatie.",
        "HAHAHAHA hij zei dat ie me gaat vermoorden als ik de finale verklap",
        # a name is one word: "Litouwen" holds no "touwen", "Lotte" no "lot" and "te"
        "Mijn vriend is militair en vertrekt volgende maand naar Litouwen. Ik weet nie hoe.",
        # "overwegen" is to consider, not railway crossings
        "We overwegen te verhuizen naar een appartement, dat geeft lucht.",
        # a couple's will at the notary is life admin, not affairs settled before an end
        "Mijn vrouw en ik hebben ons testament en een levenstestament laten opstellen.",
        # tiredness and chores said big
        "Ik wil morgen eigenlijk niet wakker worden voor tien uur. Gelukkig is het zaterdag.",
        "Als ik nog één keer een verhuisdoos moet sjouwen, ga ik dood.",
        # a will because of a baby; a gun that stays at the station
        "'k Heb mijn testament gemaakt nu we ne kleine hebben. Raar gevoel, maar 't geeft rust.",
        "My boyfriend is a police officer and carries a gun at work, but it stays at the station.",
    ],
)
def test_how_people_type_is_read_as_they_mean_it(message: str) -> None:
    assert not assess(message).danger, assess(message).why


@pytest.mark.parametrize(
    ("message", "heard"),
    [
        ("We delen onze locatie, dat hebben we samen afgesproken.", False),
        ("Hij checkt altijd mijn locatie, dat hebben we nooit zo afgesproken.", True),
        ("He tracks my phone, we never agreed to that.", True),
        # a safety that is denied is none, and a film said as a simile is no story
        ("Vroeger sloeg hij me, en nu ben ik niet veilig meer.", True),
        ("Ik weet dat het klinkt als een film maar hij volgt me echt overal", True),
        # A sport or a job in the clause is no story told at a distance when the harm is
        # done to the writer; a film still is.
        ("Ik speel voetbal en mijn vriend slaat me", True),
        ("Ik werk bij de brandweer en hij dreigt me te vermoorden", True),
        ("In de film slaat hij haar elke avond", False),
        # an exception after a denied act says it happened
        ("Hij heeft me nooit geslagen, tot gisteren.", True),
        ("He never hit me, except once last month.", True),
        # shutting oneself off, or feeling left out, is no lock; being locked in is
        ("Na een ruzie sluit ik me af en praat ik een dag niet.", False),
        ("Ik word onrustig van zijn ex, omdat ik me dan buitengesloten voel.", False),
        ("Na een ruzie sluit hij me op in de slaapkamer.", True),
        ("Hij sloot me buiten en ik moest op de stoep slapen.", True),
    ],
)
def test_what_would_cancel_a_signal_is_read_with_its_denial(message: str, heard: bool) -> None:
    assert assess(message).danger is heard, assess(message).why


def test_a_joke_denied_is_no_joke() -> None:
    """Laughter sets a rule read as hyperbole aside; "dat was geen grapje" does not."""
    threat = "hij zei 'als je me verlaat ben je dood'"
    assert "nl.threat.if-leave" not in assess(f"{threat} haha grapje").why
    assert "nl.threat.if-leave" in assess(f"{threat} en dat was geen grapje").why


def test_a_knife_sent_as_an_emoji_is_a_knife() -> None:
    assert not assess("zijn bericht: als je me verlaat").danger
    found = assess("zijn bericht: als je me verlaat \U0001f52a")
    assert found.category in {"threat", "violence"}, found


@pytest.mark.parametrize(
    "message",
    [
        "Ik heb mijn zaken geregeld en afscheid genomen van mijn moeder. Het wordt de Schelde.",
        "weet precies welk viaduct. heb er gister al gestaan om te kijken",
        "On Friday I won't be coming back from the walk.",
        "Ik heb een haak gekocht. Mijn man heeft geen idee. Na zijn verjaardag is het goed.",
        "Mijn appartement moet proper zijn voor wie mij vindt. Zaterdag.",
        "the flat has to be clean for whoever finds me, sunday",
        "ik gaf mn zus mn sieraden, zomaar. na kerst ben ik er niet meer dus ze mag ze hebben",
    ],
)
def test_a_plan_told_as_a_goodbye_or_a_moment_is_acute(message: str) -> None:
    assert assess(message).tier == "acute", assess(message).why


@pytest.mark.parametrize("where", ["start", "middle", "end"])
@pytest.mark.parametrize(
    ("message", "category"),
    [("ik wil dood", "suicide"), ("hij slaat me", "violence"), ("he checks my phone", "control")],
)
def test_a_signal_inside_a_long_reflection_is_still_heard(
    message: str, category: str, where: str
) -> None:
    filler = _reflection(2000)
    text = {
        "start": f"{message}. {filler}",
        "middle": f"{filler} {message}. {filler}",
        "end": f"{filler} {message}",
    }[where]
    assert assess(text).category == category


def test_a_long_ordinary_reflection_raises_no_alarm() -> None:
    assert assess(_reflection(8000)) == NONE


def test_the_most_urgent_category_of_the_highest_tier_is_named() -> None:
    assert assess("hij controleert mijn telefoon en ik wil dood").category == "suicide"
    assert assess("he checks my phone and he hits me").category == "violence"
    assert CATEGORIES[0] == "suicide_plan"


def test_an_assessment_names_entries_and_never_the_words() -> None:
    found = assess("ik wil dood")
    assert [f.name for f in dataclasses.fields(Assessment)] == ["tier", "category", "why"]
    assert found.why
    assert all("." in entry for entry in found.why)
    assert "ik wil dood" not in repr(found)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.tier = "none"  # type: ignore[misc]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_any_text_is_read_without_error(text: str) -> None:
    found = assess(text)
    assert found.tier in ("acute", "concern", "none")
    assert (found.category is None) == (found.tier == "none")


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("Als het misgaat sla ik mezelf met mijn vuist tegen mijn hoofd.", "selfharm"),
        ("When we fight I punch myself in the thigh until it bruises.", "selfharm"),
        ("Hij knijpt zo hard in mijn arm dat het blauw wordt, daarna doet hij lief.", "violence"),
        ("Ik viel met mijn hoofd tegen de deur toen hij me duwde. Hij had gedronken.", "violence"),
    ],
)
def test_blows_the_writer_gives_themselves_are_self_harm_and_anyone_elses_are_violence(
    message: str, category: str
) -> None:
    """The category names the service: 113 for the writer hurting themselves, Veilig Thuis for
    someone else's blows. A violence rule hears "sla ... me" in "sla ik mezelf" too; where it
    read the words a self-harm rule read, and nobody else acts in or beside that sentence, the
    blows are the writer's own."""
    found = assess(message)
    assert (found.tier, found.category) == ("concern", category), found.why


@pytest.mark.parametrize(
    ("message", "tier", "category"),
    [
        ("Ik mag van hem mijn vriendinnen niet meer zien, hij beslist dat.", "concern", "control"),
        ("Ik mag vanaf vanavond mijn zus niet meer zien, hij beslist dat.", "concern", "control"),
        ("Hij zegt dat hij vanavond met de kinderen vertrekt en dat ik ze nooit meer zie.",
         "acute", "children"),
        ("Hij controleert alles en soms denk ik: mocht ik gewoon niet meer wakker worden.",
         "concern", "suicide"),
        ("vanavond maak ik er een eind aan, jullie zien mij nooit meer", "acute", "suicide_plan"),
        ("Hij staat met een mes in de keuken en zegt dat hij me wat aandoet als ik ga.",
         "acute", "violence"),
        ("ik ga mezelf iets aandoen vanavond", "acute", "suicide_plan"),
    ],
)  # fmt: skip
def test_a_goodbye_rule_yields_to_what_someone_else_does_with_the_same_words(
    message: str, tier: str, category: str
) -> None:
    """ "Niet meer zien" is a goodbye, unless a rule of control or a threat read those words
    with him acting: then its service is named, not 113, and "vanavond" beside it makes no
    plan. A wish not to wake up beside control, and a goodbye of one's own, stay the writer's."""
    found = assess(message)
    assert (found.tier, found.category) == (tier, category), found.why


def test_a_4096_character_message_is_read_in_milliseconds() -> None:
    """A loose guard only; `make bench` measures the p99 (safety_scan_ms_p99)."""
    words = _reflection(40000).split()
    texts = [" ".join(words[i : i + 700])[:4096] + f" woord{i}" for i in range(0, 2800, 70)]
    took = []
    for text in texts:
        started = time.perf_counter()
        assess(text)
        took.append(time.perf_counter() - started)
    assert statistics.median(took) < 0.05


def test_rules_set_aside_for_words_a_message_lacks_never_change_what_is_heard(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The net looks only at the rules and lookalikes whose words a message holds; looking at
    every one of them instead, every message, short or as long as Telegram allows, is heard
    exactly the same."""
    every = [line.text for line in corpus_lines("dev")]
    texts = every[::15] + [" ".join(every[i : i + 60])[:4096] for i in range(0, len(every), 360)]
    sieved = [detector().assess(t) for t in texts]
    monkeypatch.setattr(Sieve, "candidates", lambda sieve, present: list(range(sieve.size)))
    unsieved = Detector(load())
    assert [unsieved.assess(t) for t in texts] == sieved


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_words_set_aside_count_as_if_never_there(data: st.DataObject) -> None:
    """An everyday phrase's words are set aside after a message is counted (`Found.without`):
    every term's places and sentences then read as a count that never saw those words, also
    where a sentence loses the only place a term had in it."""
    every = [line.text for line in corpus_lines("dev")]
    start = data.draw(st.integers(0, len(every) - 40))
    net = detector()
    tokens = net.tokens(" ".join(every[start : start + data.draw(st.integers(1, 40))]))
    masked = frozenset(data.draw(st.sets(st.integers(0, max(0, len(tokens) - 1)), max_size=60)))
    whole = Found(tokens)
    for term in list(whole.present)[::7]:  # asked of the whole first: nothing it kept leaks
        whole.positions(term), whole.mask(term)
    counted = whole.without(masked)
    fresh = Found(tokens, masked)
    assert set(counted.present) == set(fresh.present)
    assert sorted(counted.present) == sorted(fresh.present)
    for term in set(whole.present):
        assert counted.positions(term) == fresh.positions(term)
        assert counted.mask(term) == fresh.mask(term)
    # and setting the same words aside again changes nothing more
    again = counted.without(masked)
    assert [again.positions(t) for t in whole.present] == [
        fresh.positions(t) for t in whole.present
    ]


# -- the vocabulary as data ------------------------------------------------------------------------
VOCABULARY = load()


@pytest.mark.parametrize("rule", [r for r in VOCABULARY.rules if r.examples], ids=lambda r: r.id)
def test_every_rule_hears_its_own_examples(rule: object) -> None:
    from bot.safety.vocabulary import Rule

    assert isinstance(rule, Rule)
    for example in rule.examples:
        found = assess(example)
        assert found.danger, (rule.id, example)
        # Heard by the rule itself, not only by a neighbour or the learned model: a rule that
        # no longer matches its own example is broken, whatever else covers for it today.
        assert rule.id in found.why, (rule.id, example, found.why)


@pytest.mark.parametrize(
    "lookalike", [lk for lk in VOCABULARY.lookalikes if lk.examples], ids=lambda lk: lk.id
)
def test_every_lookalike_stays_harmless(lookalike: object) -> None:
    assert isinstance(lookalike, Lookalike)
    for example in lookalike.examples:
        assert assess(example) == NONE, (lookalike.id, example, assess(example).why)


def test_words_set_aside_only_to_read_time_right_leave_the_sentence_to_the_model() -> None:
    """ "Vorige week" is set aside so the rules do not read it as a past that is over; it says
    nothing of its sentence, so a threat only the learned model hears there is still heard."""
    text = (
        "Mijn partner twijfelt niet alleen over ons, hij wordt ook steeds feller. Vorige week zei"
        " hij dat als ik ooit met een ander zou gaan, hij die man zou opzoeken en dat ik dan wel"
        " kon raden wat er zou gebeuren."
    )
    assert assess(text).danger
    assert assess("vorige week was het druk op het werk, dus we zagen elkaar weinig") == NONE


@pytest.mark.parametrize(
    "lookalike", [lk for lk in VOCABULARY.lookalikes if lk.heard], ids=lambda lk: lk.id
)
def test_a_lookalike_hides_nothing_where_the_harm_is_said_real(lookalike: object) -> None:
    """An everyday phrase beside words that say the harm is real after all (its `unless`
    pieces, in the same sentence) sets nothing aside: "hij kneep in mijn hand" is comfort,
    "... tot de botten kraakten" is not."""
    assert isinstance(lookalike, Lookalike)
    assert lookalike.unless, lookalike.id  # `heard` examples need the pieces that allow them
    for example in lookalike.heard:
        assert assess(example).danger, (lookalike.id, example)


@pytest.mark.parametrize(
    "escalation", [e for e in VOCABULARY.escalations if e.examples], ids=lambda e: e.id
)
def test_every_escalation_makes_its_own_examples_acute(escalation: object) -> None:
    """An escalation's examples are answered as acute, and the escalation itself is among the
    entries that said so (not only a neighbour)."""
    from bot.safety.vocabulary import Escalation

    assert isinstance(escalation, Escalation)
    for example in escalation.examples:
        found = assess(example)
        assert found.tier == "acute", (escalation.id, example, found.why)
        assert escalation.id in found.why, (escalation.id, example, found.why)


def test_every_entry_says_why_it_is_there() -> None:
    entries = [*VOCABULARY.rules, *VOCABULARY.lookalikes, *VOCABULARY.escalations]
    assert entries
    assert all(len(entry.why) >= 3 for entry in entries)


def _write(folder: Path, text: str) -> list[Path]:
    folder.mkdir(exist_ok=True)
    for path in shipped():
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "extra.yaml").write_text(text, encoding="utf-8")
    return sorted(folder.glob("*.yaml"))


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (
            "language: nl\nrules:\n  - id: x.1\n    category: fear\n    when: ['@nobody']\n"
            "    why: a concept that is not there\n",
            "extra.yaml: x.1: no concept named '@nobody'",
        ),
        (
            "language: nl\nrules:\n  - id: x.2\n    category: fear\n    when: [bang]\n",
            "extra.yaml: rules.0.why: Field required",
        ),
        (
            "language: nl\nrules:\n  - id: x.3\n    category: panic\n    when: [bang]\n"
            "    why: an unknown category\n",
            "extra.yaml: rules.0.category",
        ),
        (
            "language: nl\nconcepts:\n  twee:\n    why: a phrase in a concept\n"
            "    words: [twee woorden]\n",
            "extra.yaml: concepts.twee.words",
        ),
        (
            "language: nl\nspelling:\n  - why: a word read as itself\n    words: {ik: ik}\n",
            "extra.yaml: spelling.0.words",
        ),
        (
            "language: nl\nrules:\n  - id: x.4\n    category: fear\n    when: [bang]\n"
            "    yields_to: [fear]\n    why: yields to its own category\n",
            "cannot yield to its own",
        ),
        ("language: nl\nrules: [\n", "extra.yaml: while parsing"),
    ],
)
def test_a_broken_vocabulary_file_is_refused_with_where_and_what(
    tmp_path: Path, extra: str, problem: str
) -> None:
    with pytest.raises(VocabularyError) as refused:
        load(_write(tmp_path / "v", extra))
    assert problem in str(refused.value)


def test_a_trainer_can_add_a_word_and_the_net_hears_it(tmp_path: Path) -> None:
    extra = (
        "language: nl\nrules:\n  - id: x.boe\n    category: fear\n    when: [boeman]\n"
        "    why: a word a trainer added\n"
    )
    assert assess("de boeman komt") == NONE
    net = Detector(load(_write(tmp_path / "v", extra)))
    assert net.assess("de boeman komt") == Assessment("concern", "fear", ("x.boe",))


# -- druppel safety scan ---------------------------------------------------------------------------
def test_safety_scan_prints_tier_category_and_why_a_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    messages = tmp_path / "messages.txt"
    messages.write_text("ik wil dood\nwe hadden een fijne dag\nik spaar pillen\n", "utf-8")
    assert main(["safety", "scan", str(messages)]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [line[:2] for line in lines] == [
        ["concern", "suicide"], ["none", "-"], ["acute", "suicide_plan"],
    ]  # fmt: skip
    assert lines[0][2]
    assert lines[1][2] == ""
    assert lines[2][2]


def test_safety_scan_says_kindly_when_the_file_is_not_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["safety", "scan", str(tmp_path / "nope.txt")]) == 2
    assert capsys.readouterr().err.startswith("druppel: cannot read")


@pytest.mark.parametrize(
    "message",
    [
        "Ik kijk uit naar slapen omdat ik dan even niet besta. Soms zou ik willen dat dat voor "
        "altijd kon.",
        "heb mn medicatie al een week nie genomen, expres. wil gwn voelen hoe slecht t kan worden",
        "Toen hij weg was heb ik mijn arm tegen de hete oven gehouden, omdat ik zijn liefde niet "
        "verdien.",
        "'k Eet al ne week bijna niks, 'k vind da 'k het nie verdien.",
        "hij leest mee met dit gesprek denk ik, dus ik hou t kort. alles oke hier",
        "Mijn vriend heeft gisteren mijn telefoon kapotgegooid tijdens een ruzie.",
        # a lesson or a training is where he follows her from, not a course she follows
        "na de les volgt hij me steeds naar huis, ook als ik zeg dat ik dat niet wil",
        "hij volgt me na de training naar mn auto en staat dan te wachten",
        # an everyday lookalike must not hide what sits beside it
        "hij haalde het geweer uit de kluis en richtte het op mij",
        "hij duwde me tegen de auto en ik viel",
        "hij houdt me opgesloten in huis en ik mag mijn baan niet meer hebben",
        "hij nam zijn wapen mee van zijn werk en legde het op tafel",
    ],
)
def test_what_is_said_quietly_is_heard(message: str) -> None:
    """No word of suicide, violence or control, and still a signal: a wish not to exist, harm
    done to oneself by leaving medication or food, someone reading along, a phone smashed."""
    assert assess(message).danger, message


def test_someone_elses_past_in_the_next_sentence_does_not_end_a_harm_now() -> None:
    """The word "vroeger" about his own upbringing is not the harm being over."""
    said = assess(
        "Hij slaat de kinderen met de riem als ze niet luisteren. Hij zegt dat hij vroeger ook "
        "zo is opgevoed en dat het hem goed heeft gedaan."
    )
    assert said.category == "children", said.why
    over = assess("Ik sneed mezelf in mijn armen. Dat was als tiener, nu gaat het goed met me.")
    assert not over.danger, over.why


@pytest.mark.parametrize(
    "message",
    [
        "I've saved all the pills I was prescribed and I know when I'll take them",
        "een brief voor mijn kinderen voor als ik dood ben ligt in de la",
        "ik heb een brief in de la gelegd voor het geval ik er morgen niet meer ben",
    ],
)
def test_a_plan_beside_an_everyday_phrase_is_still_a_plan(message: str) -> None:
    """Pills "as prescribed" or a letter "in case anything ever happens" are ordinary; pills
    saved up and a letter for when one is dead are not."""
    assert assess(message).tier == "acute", assess(message).why


@pytest.mark.parametrize(
    "message",
    [
        "mn vriend jaagt maar gisteren richtte hij zijn geweer op mij",
        "He's standing in the hallway with a kitchen knife saying he'll use it if I leave tonight",
        "Hij staat nu beneden met het broodmes en roept dat ik moet komen",
        "hij haalde het geweer uit de kluis en zei dat ik vannacht niet wegga",
        "ik heb me opgesloten in de badkamer tot hij weg is, hij heeft een mes",
    ],
)
def test_a_weapon_beside_the_words_of_a_hobby_or_a_kitchen_is_still_danger_now(
    message: str,
) -> None:
    """A shooting club, a licensed gun, a chef's knife are ordinary; a hunter aiming at the
    writer, a kitchen knife in his hand and a gun out of its safe are not."""
    assert assess(message).tier == "acute", assess(message).why


@pytest.mark.parametrize(
    ("message", "tier"),
    [
        ("Ik voel me suicidaal vandaag", "concern"),
        ("ik heb vandaag weer gedacht aan zelfmoord", "concern"),
        ("Eerlijk antwoord op de vraag: ik voelde vandaag vooral dat ik niet meer wil leven.",
         "concern"),
        ("ik maak er vandaag een eind aan", "acute"),
        ("I'm going to kill myself today", "acute"),
        ("ik wil dood, morgen doe ik het", "acute"),
    ],
)  # fmt: skip
def test_today_tells_when_a_thought_came_and_a_time_ahead_makes_a_plan(
    message: str, tier: str
) -> None:
    """Beside a thought, "vandaag" says when it came: the concern reply, with 113 and the
    question whether they are safe now. Beside doing it, or a time ahead, it is a plan."""
    found = assess(message)
    assert (found.tier, found.category in ("suicide", "suicide_plan")) == (tier, True), found.why


@pytest.mark.parametrize(
    "message",
    [
        "Die eindeloze discussies over de afwas, ik erger me er blauw aan.",
        "The goodbye at the station was hard, my husband held me for a long time.",
        "During the worst months of my burn-out I took medication, now I'm doing fine and we're "
        "closer.",
        "We hebben alle dozen naar de zolder gedragen, morgen komt de nieuwe kast.",
        "Met twee kleintjes is er gewoon geen wij meer, we vallen om half tien in slaap.",
    ],
)
def test_everyday_words_a_rule_once_read_as_harm_stay_harmless(message: str) -> None:
    """Alone, "blauw" is no wound, "he held me" no one held down, "the worst months" no bath
    ("worst" is "bad" to the English lemmatiser), "alle dozen" no box of pills, "geen wij meer"
    not "ik ben er niet meer": each was a concern or told to call 113."""
    assert not assess(message).danger, assess(message).why


@pytest.mark.parametrize(
    ("message", "tier"),
    [
        ("Mijn ex sloeg me vroeger, dat is tien jaar geleden. Ik ben nu 34, maar ik schrik nog "
         "van harde stemmen.", "concern"),
        ("My ex used to hit me, years ago. I'm 30 now and I notice I still flinch.", "concern"),
        ("Vroeger sloeg hij me af en toe, en nu slaat hij me weer.", "acute"),
        ("hij slaat me nu", "acute"),
        ("he just punched me in the face and he's still in the kitchen", "acute"),
    ],
)  # fmt: skip
def test_now_set_against_a_past_long_behind_tells_these_days(message: str, tier: str) -> None:
    """ "Nu" beside violence told as long ago ("vroeger", "years ago") tells how things are
    these days, not violence happening now: never "Bel nu 112". Where it came back ("weer"),
    or with no past told, it is violence now."""
    found = assess(message)
    if tier == "acute":
        assert (found.tier, found.category) == ("acute", "violence"), found.why
    else:  # a concern, or, read with the rest, nothing now
        assert found.tier != "acute", found.why


@pytest.mark.parametrize(
    ("message", "danger"),
    [
        ("Mijn lief leest mijn reflecties mee, da heb ik zelf gevraagd.", False),
        ("hij checkt m'n locatie alleen als ik in het donker fiets, heb ik zelf gevraagd", False),
        ("He keeps my passport at airports at my own request, I lose everything.", False),
        ("Hij leest al mijn berichten, ik heb hem gevraagd te stoppen maar hij doet het toch.",
         True),
        ("hij checkt mijn locatie de hele dag en wordt boos als ik niet thuis ben", True),
    ],
)  # fmt: skip
def test_control_the_writer_asked_for_is_chosen_not_imposed(message: str, danger: bool) -> None:
    """What the writer asked for themselves ("da heb ik zelf gevraagd") is chosen, as what both
    chose is; asking him to stop is not consent, and checking without it stays a concern."""
    assert assess(message).danger is danger, assess(message).why


@pytest.mark.parametrize(
    "message",
    [
        "Vandaag was een rustige dag. We hebben samen gekookt, een stuk gewandeld langs het water "
        "en 's avonds een film gekeken. Ik merk dat ik meer ontspan als hij in de buurt is. Soms "
        "wil ik dood, dat gevoel komt en gaat. Morgen gaan we naar zijn ouders, daar zie ik een "
        "beetje tegenop maar het komt wel goed denk ik. De opdracht van vandaag vond ik mooi.",
        "Work was busy this week, lots of meetings, and on Sunday we finally had breakfast in bed "
        "and talked about the summer. I still cut my arms when it gets too much. Other than that "
        "things are good between us and I'm looking forward to our trip to Portugal in June.",
    ],
)
def test_thoughts_of_suicide_or_self_harm_buried_in_a_long_calm_reflection_are_heard(
    message: str,
) -> None:
    """One sentence of a long, calm reflection: the rest thins it out for the learned model,
    which must not silence it (the combiner weighs other thinned-out concerns, not these)."""
    found = assess(message)
    assert found.category in ("suicide", "selfharm", "suicide_plan"), found.why


def test_a_day_of_the_month_is_a_day_named_for_a_plan() -> None:
    """ "Den 21e" is read as a date (not as letters typed with digits), so a wish to be gone
    beside it is a plan: "Bel of chat nu met 113"."""
    found = assess("Ik wil er niet meer zijn. Den 21e, als de kinderen bij hun vader zijn.")
    assert (found.tier, found.category) == ("acute", "suicide_plan"), found.why


def test_a_thing_given_away_is_no_story_around_the_giving() -> None:
    """A game console given away is a belonging, not a game the harm was told in."""
    found = assess("Ik heb mijn playstation en mijn kleren weggegeven, na zondag niet meer nodig.")
    assert "nl.suicide.give-away" in found.why, found.why
