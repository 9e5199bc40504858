"""The safety net's learned second opinion: it is the one learnt from today's corpus, it is read
as trained, and it only ever adds help where the rules stay silent or are clearly wrong."""

from __future__ import annotations

import json
import marshal
import math
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.safety import Category, Detector, VocabularyError, assess, detector, load
from bot.safety.combine import Combiner
from bot.safety.learned import (
    FEATURES_VERSION,
    Model,
    corpus_digest,
    features,
    letters,
    load_model,
    model_path,
    pack,
    unpack,
)
from bot.safety.normalise import Token
from bot.safety.reading import Laid, Reading
from bot.safety.runs import Runs
from tests.safety.report import CORPUS, lines


def test_the_shipped_model_was_learnt_from_the_current_corpus() -> None:
    model = load_model()
    assert model.corpus == corpus_digest((CORPUS / "dev").glob("*.tsv")), (
        "the tuned corpus changed since the model was learnt: run `make safety-model`"
    )


def test_the_model_reads_every_form_and_neighbouring_words_of_one_sentence() -> None:
    tokens = detector().tokens("Hij slaat me. Echt")
    names = features(tokens)
    assert {"f:hij", "f:slaan"} <= set(names)  # a lemma, not only the typed word
    assert {"b:hij_slaat", "b:slaat_me"} <= set(names)
    assert "b:me_echt" not in names  # never across a sentence


@pytest.mark.parametrize(
    "text",
    [
        "Hij slaat me soms, en dan zegt hij sorry. Ik ben bang, bang, bang voor vanavond.",
        # words of one and two letters: a run of five reaches the word after next
        "ik ga nu a b c d en ik ben er. o j x y",
        "x",
        "Het touw ligt klaar",
        "",
    ],
)
def test_the_model_reads_a_message_as_it_was_trained_on_it(text: str) -> None:
    """The quick reading (known features only, what a word adds looked up once per word)
    gives the score and the category the training's features give: the logistic regressions
    over sublinear tf-idf, each kind of feature (words, runs of letters) scaled to unit length
    on its own."""
    model = load_model()
    tokens = detector().tokens(text)
    assert model.danger(tokens) == pytest.approx(_reference(tokens)[0], abs=1e-12)
    assert model.category(tokens) == _reference(tokens)[1]


def test_the_quick_reading_agrees_with_the_training_over_the_corpus() -> None:
    """Every 7th line of the corpus, read both ways: the same probability, the same category."""
    model, net = load_model(), detector()
    for line in lines("dev")[::7] + lines("heldout")[::7]:
        tokens = net.tokens(line.text)
        danger, category = _reference(tokens)
        assert model.danger(tokens) == pytest.approx(danger, abs=1e-12), line.where
        assert model.category(tokens) == category, line.where


def test_a_repeated_word_counts_sublinearly_as_trained() -> None:
    tokens = detector().tokens("Ik ben bang, bang, bang voor vanavond.")
    data = json.loads(model_path().read_text(encoding="utf-8"))
    _, word_counts = _block(features(tokens), dict(unpack(data["weights"])))
    _, run_counts = _block(letters(tokens), dict(unpack(data["letters"])))
    assert word_counts["f:bang"] == 3
    assert run_counts["c:bang "] == 3


@cache
def _tables() -> tuple[dict[str, Any], dict[str, list[float]], dict[str, list[float]]]:
    data = json.loads(model_path().read_text(encoding="utf-8"))
    return data, dict(unpack(data["weights"])), dict(unpack(data["letters"]))


def _reference(tokens: list[Token]) -> tuple[float, str]:
    """The probability of danger and the category, computed as scikit-learn does from the
    names `features` and `letters` make."""
    data, words, runs = _tables()
    word_score, word_counts = _block(features(tokens), words)
    run_score, _ = _block(letters(tokens), runs)
    danger = 1 / (1 + math.exp(-(float(data["intercept"]) + word_score + run_score)))
    values = {n: (1 + math.log(c)) * words[n][0] for n, c in word_counts.items()}
    norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
    scores = [float(x) for x in data["category_intercepts"]]
    for name, value in values.items():
        for k, weight in enumerate(words[name][2:]):
            scores[k] += value * weight / norm
    return danger, data["categories"][max(range(len(scores)), key=scores.__getitem__)]


def _block(names: list[str], table: dict[str, list[float]]) -> tuple[float, dict[str, int]]:
    """One kind of feature's share of the score, as scikit-learn computes it, and its counts."""
    counts: dict[str, int] = {}
    for name in names:
        if name in table:
            counts[name] = counts.get(name, 0) + 1
    values = {n: (1 + math.log(c)) * table[n][0] for n, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
    return sum(v * table[n][1] for n, v in values.items()) / norm, counts


def test_the_model_reads_runs_of_letters_across_word_edges() -> None:
    runs = letters(detector().tokens("Hij sloeg"))
    assert {"c: hi", "c:hij", "c:hij ", "c:j sl", "c:sloeg", "c:eg "} <= set(runs)
    assert all(3 <= len(name) - 2 <= 5 for name in runs)


def test_a_model_of_other_features_or_malformed_refuses_to_load(tmp_path: Path) -> None:
    data = json.loads(model_path().read_text(encoding="utf-8"))
    data["features_version"] = FEATURES_VERSION + 1
    other = tmp_path / "model.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(VocabularyError, match="make safety-model"):
        load_model(other)
    other.write_text('{"features_version": 1}', encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"model\.json"):
        load_model(other)
    # A combiner with a weight too few is refused too, not read wrongly.
    data["features_version"] = FEATURES_VERSION
    data["combiner"]["weights"] = data["combiner"]["weights"][:-1]
    other.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(VocabularyError, match="malformed"):
        load_model(other)


def _made_up(words: dict[str, Category], weight: float = 12.0) -> Model:
    """A model written by hand: each of `words` means danger of its category; nothing else
    does (an intercept of -3 reads any other message as clearly ordinary). A message whose
    only known word is one of `words` reads as danger at sigmoid(weight - 3)."""
    data = json.loads(model_path().read_text(encoding="utf-8"))
    data.pop("combiner", None)  # weighed by the veto, unless a test gives one (`_weighing`)
    categories = data["categories"]
    data["intercept"] = -3.0
    data["letters"] = pack({})
    data["category_intercepts"] = [0.0] * len(categories)
    data["weights"] = pack(
        {
            f"f:{word}": [1.0, weight, *(5.0 if c == category else 0.0 for c in categories)]
            for word, category in words.items()
        }
    )
    return Model(data)


def _weighing(model: Model, sure: list[str] | None = None) -> Model:
    """`model` with a combiner written by hand: it believes the model's reading of the whole
    message alone (its probability of danger is the model's) and silences below one half,
    far above any veto."""
    model.combiner = Combiner.from_data(
        {"weights": [1.0, 0, 0, 0, 0, 0], "rules": {}, "intercept": 0.0, "threshold": 0.5,
         "sure": sure or []}
    )  # fmt: skip
    return model


@pytest.fixture(scope="module")
def net() -> Detector:
    # "zolder" and "kluis" mean danger to this model, "zolder" a plan, "kluis" control.
    model = _made_up({"zolder": "suicide_plan", "kluis": "control"})
    return Detector(load(), model)


def test_the_model_alone_is_heard_where_no_rule_is(net: Detector) -> None:
    safe = "ze bewaart al mijn spullen in de kluis bij haar thuis"
    assert not Detector(load(), rules_only=True).assess(safe).danger
    found = net.assess(safe)
    assert (found.tier, found.category, found.why) == ("concern", "control", ("learned.control",))
    plan = net.assess("morgen ga ik naar de zolder van het oude huis")
    assert (plan.tier, plan.category) == ("acute", "suicide_plan")


def test_the_model_alone_is_made_acute_only_by_words_that_say_danger_now() -> None:
    """Where only the model heard a child in danger, a weapon or a threat on its way, the
    escalations heard by the model make it acute ("Bel nu 112"); the common words that make a
    rule's violence acute ("nu", "vanavond", "help") never do on a model's reading alone."""
    model = _made_up({"kleine": "children", "slof": "threat"})
    net = Detector(load(), model)
    child = net.assess("hij is met de kleine in de gang, de deur zit op slot en ik sta buiten")
    assert (child.tier, child.category) == ("acute", "children")
    assert "nl.acute.child-now-heard" in child.why
    # "nu" and "help" make a rule's child in danger acute, not the model's reading alone.
    unsure = net.assess("hij heeft de kleine nu vast in de gang en ik sta buiten, help me")
    assert (unsure.tier, unsure.category) == ("concern", "children")
    weapon = net.assess("hij zit aan tafel met de slof en een jachtmes naast zich en kijkt")
    assert (weapon.tier, weapon.category) == ("acute", "violence")
    on_the_way = net.assess("hij belde net over die slof van mij, hij is onderweg naar hier")
    assert (on_the_way.tier, on_the_way.category) == ("acute", "violence")
    # "nu" and "vanavond" say danger now beside a rule's violence, not beside the model's alone.
    calm = net.assess("hij praat nu en vanavond nog steeds over die slof van zijn moeder")
    assert (calm.tier, calm.category, calm.why) == ("concern", "threat", ("learned.threat",))
    # Without the model's reading, the same words are nothing at all; and an escalation heard
    # by the model alone never makes a rule's concern acute ("door elkaar", last week).
    rules = Detector(load(), rules_only=True)
    shaken = rules.assess(
        "Ik ben bang om de kinderen bij hem te laten, vorige week heeft hij ons kleinste door "
        "elkaar geschud."
    )
    assert (shaken.tier, shaken.category) == ("concern", "children")
    assert not rules.assess("hij zit aan tafel met de slof en een koffiekop naast zich").danger


def test_the_model_alone_needs_enough_words(net: Detector) -> None:
    # A short message is the rules' to read: one word does not make a model's case.
    assert not net.assess("ze bewaart het in de kluis").danger


def test_a_sentence_the_rules_read_as_ordinary_is_heard_only_where_the_model_is_all_but_sure(
    net: Detector,
) -> None:
    # An everyday phrase ("de deur dicht slaan") sets its sentence aside from a model that is
    # fairly sure of its danger word (5 - 3: 0.88)...
    fairly = Detector(load(), _made_up({"kluis": "control"}, weight=5.0))
    assert not fairly.assess("hij sloeg de deur dicht en liep naar de kluis, dat zag ik").danger
    # ...but not from one all but sure of the whole message (0.97 and up): a lookalike word
    # must not hide "vanavond neem ik alles wat in de pillendoos zit".
    sure = net.assess("hij sloeg de deur dicht en liep naar de kluis, dat zag ik")
    assert (sure.tier, sure.category) == ("concern", "control")
    # In a sentence of its own, the fairly sure model is heard again.
    assert fairly.assess(
        "hij sloeg de deur dicht. Ze bewaart al mijn spullen in de kluis bij haar thuis."
    ).danger


def test_a_quiet_plan_is_acute_where_the_model_reads_suicide_even_unsure() -> None:
    # "schuur" reads as suicide at one half: below what the model needs alone (0.7).
    unsure = Detector(load(), _made_up({"schuur": "suicide"}, weight=3.0))
    # A means beside a step toward it (a time, put aside) in words the model reads so: acute.
    plan = unsure.assess("ik heb het touw in de schuur gelegd, zondag is het zover")
    assert (plan.tier, plan.category, plan.why) == ("acute", "suicide_plan", ("learned.plan",))
    # Without the means, or without a step toward it, or with a model that reads it as
    # ordinary, the same words are no plan.
    assert not unsure.assess("ik heb de fietsen in de schuur gelegd, zondag is het zover").danger
    assert not unsure.assess("ik vond een oud touw in de schuur van mijn opa").danger
    calm = Detector(load(), _made_up({}))
    assert not calm.assess("ik heb het touw in de schuur gelegd, zondag is het zover").danger
    # A train is no means: asking for one tomorrow is never a plan.
    trains = Detector(load(), _made_up({"trein": "suicide_plan"}, weight=3.5))
    assert not trains.assess("hoe laat gaat de trein naar Gent morgen?").danger


def test_a_model_all_but_sure_is_heard_where_the_rules_read_a_denial() -> None:
    # A moderately sure model leaves a denied sentence to the rules...
    moderate = Detector(load(), _made_up({"kluis": "control"}, weight=4.5))
    denied = "hij heeft me nooit geslagen, ook niet bij de kluis, dat moet je weten"
    assert not moderate.assess(denied).danger
    assert moderate.assess("ze bewaart al mijn spullen in de kluis bij haar thuis").danger
    # ...one all but sure is heard there too.
    sure = Detector(load(), _made_up({"kluis": "control"}))
    assert sure.assess(denied).tier == "concern"


def test_a_rule_stands_unless_the_message_reads_clearly_ordinary() -> None:
    # A model that finds everything ordinary overrules a concern, never an acute rule.
    calm = Detector(load(), _made_up({}))
    concern = calm.assess("hij duwt me altijd opzij als hij als eerste de trein in wil")
    assert not concern.danger
    assert concern.why[-1] == "learned.ordinary"
    # The rest of the message weighs in too: where it reads as danger, the rule stands.
    worried = Detector(load(), _made_up({"kluis": "control"}))
    text = (
        "hij duwt me altijd opzij als hij als eerste de trein in wil. En mijn pas ligt in zijn "
        "kluis"
    )
    assert not calm.assess(text).danger
    assert worried.assess(text).tier == "concern"
    # A short plain statement is left to the rules.
    assert calm.assess("hij slaat me").tier == "concern"
    assert calm.assess("ik heb de pillen gespaard en vanavond neem ik ze allemaal in").tier == (
        "acute"
    )


def test_a_plan_an_escalation_made_is_overruled_but_danger_now_never_is() -> None:
    calm = Detector(load(), _made_up({}))
    rules = Detector(load(), rules_only=True)
    # A funeral arranged "vandaag": only an escalation makes it a plan, and the model reads
    # the words as plainly ordinary.
    funeral = (
        "Ik heb deze week mijn eigen uitvaart geregeld bij de begrafenisondernemer en dat gaf "
        "vandaag rust"
    )
    assert rules.assess(funeral).tier == "acute"
    assert not calm.assess(funeral).danger
    assert calm.assess(funeral).why[-1] == "learned.ordinary"
    # Violence happening now, made acute by an escalation too, stands whatever the model reads.
    now = "hij schreeuwt en hij slaat me nu terwijl ik dit typ in de badkamer van ons huis"
    assert calm.assess(now).tier == "acute"


def test_an_acute_rule_is_never_overruled() -> None:
    found = assess("ik heb de pillen gespaard en vanavond neem ik ze allemaal in")
    assert found.tier == "acute"
    assert not any(w == "learned.ordinary" for w in found.why)


def test_a_concern_the_model_reads_as_a_plan_is_acute(net: Detector) -> None:
    # The rules hear control; the model reads the words as a suicide plan ("zolder"): acute,
    # whatever the rules called it, for a plan must never get the reply of a concern.
    said = "Mijn vriend controleert mijn telefoon elke avond en zegt dat ik niemand mag zien"
    plan = net.assess(f"{said}, de zolder is al klaar.")
    assert (plan.tier, plan.category) == ("acute", "suicide_plan")
    assert plan.why[-1] == "learned.plan"
    # Where the model reads the same concern as control, it stays a concern of control.
    control = net.assess(f"{said}, mijn pas ligt in zijn kluis.")
    assert (control.tier, control.category) == ("concern", "control")
    assert "learned.plan" not in control.why


def test_thoughts_of_suicide_or_self_harm_are_overruled_only_when_far_more_ordinary() -> None:
    # "tram" reads as danger at sigmoid(0.5 - 3) = 0.08: below the veto of 0.1, above the one
    # for thoughts of suicide or self-harm (0.05).
    unsure = Detector(load(), _made_up({"tram": "fear"}, weight=0.5))
    pushed = "hij duwt me altijd opzij als hij als eerste de tram in wil, elke ochtend weer"
    burns = "ik brand mijn huid met een aansteker als de spanning te veel wordt in de tram"
    rules = Detector(load(), rules_only=True)
    assert rules.assess(pushed).tier == rules.assess(burns).tier == "concern"
    assert not unsure.assess(pushed).danger  # a push, read as ordinary: overruled
    assert unsure.assess(burns).category == "selfharm"  # self-harm stands
    # Read as plainly ordinary (0.05 and below), self-harm is overruled too.
    calm = Detector(load(), _made_up({}))
    assert not calm.assess(burns).danger


PUSHED = "hij duwt me altijd opzij als hij als eerste de trein in wil, elke ochtend weer"


def test_a_combiner_silences_a_concern_the_model_reads_as_ordinary() -> None:
    rules = Detector(load(), rules_only=True).assess(PUSHED)
    assert rules.tier == "concern"
    # "trein" reads at 0.27: too much for the veto (0.1) to silence, not for this combiner.
    doubting = _made_up({"trein": "fear"}, weight=2.0)
    assert Detector(load(), doubting).assess(PUSHED).tier == "concern"
    silenced = Detector(load(), _weighing(doubting)).assess(PUSHED)
    assert not silenced.danger
    assert silenced.why == (*rules.why, "learned.ordinary")
    # Where the model reads danger in the message, the concern stands.
    worried = Detector(load(), _weighing(_made_up({"trein": "fear"}, weight=4.0)))
    assert worried.assess(PUSHED).tier == "concern"


def test_a_combiner_never_silences_a_sure_rule_a_short_message_or_an_acute_rule() -> None:
    rules = Detector(load(), rules_only=True).assess(PUSHED)
    doubting = _made_up({"trein": "fear"}, weight=2.0)
    sure = Detector(load(), _weighing(doubting, sure=[rules.why[0]]))
    assert sure.assess(PUSHED).tier == "concern"
    calm = Detector(load(), _weighing(_made_up({"trein": "fear"}, weight=2.0)))
    assert calm.assess("hij duwt me opzij in de trein").tier == "concern"  # twelve words or less
    found = calm.assess("ik heb de pillen gespaard en vanavond neem ik ze allemaal in, echt")
    assert found.tier == "acute"
    # Danger now, made acute by an escalation, is never weighed either.
    now = "hij schreeuwt en hij slaat me nu terwijl ik dit typ in de badkamer van ons huis"
    assert calm.assess(now).tier == "acute"


def test_the_shipped_combiner_was_learnt_with_the_model() -> None:
    model = load_model()
    assert model.combiner is not None
    assert 0 < model.combiner.threshold < 0.5
    # Sure rules are rules of the vocabulary.
    assert model.combiner.sure <= {rule.id for rule in load().rules}


def test_a_choice_of_sentences_reads_as_those_sentences_alone() -> None:
    """Deciding asks the model of a message's sentences in several choices (the rules' own, those
    left open); each is read from the message laid out once, and must read exactly as the
    training reads its words alone, also where a left-out sentence changes a word's neighbours
    (words of one letter let a run of letters reach the word after next)."""
    model, net = load_model(), detector()
    texts = [line.text for line in lines("heldout")[::41]] + [
        "Ik ga. a b. c d e. Hij slaat me, o. Echt x y z! En dan. q",
        "ja. Het touw ligt klaar. x. Ik ben bang voor vanavond. a",
    ]
    chosen = 0
    for text in texts:
        tokens = net.tokens(text)
        sentences = sorted({t.sentence for t in tokens})
        laid = Laid.of(model, tokens)
        choices = [sentences[::2], sentences[1::2], sentences[:-1], sentences[1:], sentences[:1]]
        for kept in choices:
            part = [t for t in tokens if t.sentence in kept]
            if not part:
                continue
            chosen += 1
            danger, category = _reference(part)
            assert laid.danger(kept) == pytest.approx(danger, abs=1e-12), text
            assert laid.category(kept) == category, text
            reading = Reading(model, tokens)
            assert reading.danger(part) == pytest.approx(danger, abs=1e-12), text
            assert reading.category(part) == category, text
    assert chosen > 150


_RUN_NAMES = ["abc", "bcd", "abcd", "bcde", "abcde", " ab", "ab ", " a b", "a b c", "zzz", "é z"]


@given(st.text(alphabet="abcdez é\U0001f52a.", max_size=40))
def test_the_runs_table_finds_every_known_run_a_line_holds(line: str) -> None:
    """Every run of three to five characters the model knows, as often as it occurs, and none
    it does not know (a character no known run holds, an emoji, never matches)."""
    table = Runs(_RUN_NAMES)
    expected = sorted(
        _RUN_NAMES.index(line[i : i + n])
        for n in (3, 4, 5)
        for i in range(len(line) - n + 1)
        if line[i : i + n] in _RUN_NAMES
    )
    assert sorted(table.rows(line).tolist()) == expected


def test_the_shipped_model_reads_a_long_message_as_the_training_does() -> None:
    model, net = load_model(), detector()
    data = json.loads(model_path().read_text(encoding="utf-8"))
    names = str(data["letters"]["names"]).split("\n")
    row_of = {name: i for i, name in enumerate(names)}
    text = " ".join(line.text for line in lines("heldout")[:60])
    tokens = net.tokens(text)
    line = " " + " ".join(t.text for t in tokens) + " "
    expected = sorted(row_of[run] for run in letters(tokens) if run in row_of)
    assert len(line) > 4096
    assert len(expected) > 5000
    assert sorted(model.runs([t.text for t in tokens]).tolist()) == expected
    # A long message (twelve thousand runs of letters) reads as trained all the same.
    danger, category = _reference(tokens)
    assert model.danger(tokens) == pytest.approx(danger, abs=1e-12)
    assert model.category(tokens) == category


def _kept_models(folder: Path) -> list[Path]:
    return sorted(folder.glob("safety-model-*.marshal"))


def _kept_then_changed(folder: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """Loads the shipped model, kept in `folder` (the cache folder), then changes what was kept
    there as `change` says; returns the kept file."""
    load_model()
    [kept] = _kept_models(folder)
    data = marshal.loads(kept.read_bytes())
    change(data)
    kept.write_bytes(marshal.dumps(data))
    return kept


def _veto_of(value: float) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["veto"] = value

    return change


def test_the_parsed_model_is_kept_and_a_later_start_reads_it_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRUPPEL_CACHE_DIR", str(tmp_path / "cache"))
    parsed = load_model()
    # What a later start reads is the kept file, not the JSON.
    _kept_then_changed(tmp_path / "cache", _veto_of(0.123))
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700
    again = load_model()
    assert again.veto == 0.123
    net = detector()
    for line in lines("heldout")[::97]:
        tokens = net.tokens(line.text)
        assert again.danger(tokens) == parsed.danger(tokens)
        assert again.category(tokens) == parsed.category(tokens)


def test_a_kept_model_in_a_folder_others_may_write_to_or_broken_is_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRUPPEL_CACHE_DIR", str(tmp_path))
    shipped = load_model().veto
    kept = _kept_then_changed(tmp_path, _veto_of(0.123))
    tmp_path.chmod(0o777)
    assert load_model().veto == shipped
    tmp_path.chmod(0o700)
    kept.write_bytes(b"\x00not marshal")
    assert load_model().veto == shipped
    assert marshal.loads(kept.read_bytes())["veto"] == shipped  # written again, whole


def test_a_new_model_s_kept_file_replaces_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRUPPEL_CACHE_DIR", str(tmp_path / "cache"))
    load_model()
    [old] = _kept_models(tmp_path / "cache")
    other = tmp_path / "model.json"
    data = json.loads(model_path().read_text(encoding="utf-8"))
    data["veto"] = 0.2
    other.write_text(json.dumps(data), encoding="utf-8")
    assert load_model(other).veto == 0.2
    [new] = _kept_models(tmp_path / "cache")
    assert new != old


def test_a_kept_model_this_release_cannot_read_is_read_anew_from_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRUPPEL_CACHE_DIR", str(tmp_path))
    shipped = load_model().veto
    kept = _kept_then_changed(tmp_path, lambda data: data.pop("letters"))
    assert load_model().veto == shipped
    assert "letters" in marshal.loads(kept.read_bytes())


def test_a_concern_is_made_a_plan_only_where_the_model_reads_danger() -> None:
    # "zolder" is closest to a plan for this model, but it reads the words as danger at only
    # sigmoid(2 - 3) = 0.27: a nearest category alone does not tell someone to call 113.
    faint = Detector(load(), _made_up({"zolder": "suicide_plan"}, weight=2.0))
    said = "Mijn vriend controleert mijn telefoon elke avond en zegt dat ik niemand mag zien"
    found = faint.assess(f"{said}, de zolder is al klaar.")
    assert (found.tier, found.category) == ("concern", "control")
    assert "learned.plan" not in found.why
