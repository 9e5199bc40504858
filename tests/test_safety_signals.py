"""Danger in a participant's words is noticed, in Dutch and English, and everyday doubt is not."""

from __future__ import annotations

import dataclasses
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import texts_care
from bot.safety import CATEGORIES, SIGNALS, Category, Cue, Signal, categories, danger

SUICIDE = [
    "Ik denk soms aan zelfmoord",
    "ZELFMOORD",
    "ik denk aan zelf moord",
    "Zelf-moord lijkt me soms een uitweg",
    "zelfmoooooord",
    "z3lfm00rd",
    "zelfmoordgedachten heb ik al weken",
    "ik ben suïcidaal",
    "Ik voel me suicidaal vandaag",
    "suïcide gedachten",
    "su1c1de",
    "s*icide",
    "ik wil dood",
    "k wil dood",
    "IK WIL DOOD",
    "Ik wil gewoon dood.",
    "ik wil echt dooooood",
    "ik wil d00d",
    "Ik wil doodgaan",
    "was ik maar dood",
    "ik ben liever dood dan dit",
    "soms wou ik dat ik dood was",
    "ik wil er niet meer zijn",
    "Ik wil er gewoon niet meer zijn.",
    "Eerlijk gezegd zie ik het niet meer zitten",
    "ik zie het allemaal niet meer zitten",
    "ik zie t nie meer zitte",
    "ik wil niet meer leven",
    "Ik wil zo niet verder leven",
    "ik wil nie meer leve",
    "ik wil er een eind aan maken",
    "Ik denk erover om er een einde aan te maken",
    "een einde aan mijn leven maken",
    "ik ga mezelf iets aandoen",
    "ik ben bang dat ik mezelf iets aan doe",
    "ik wil mezelf wat aandoen",
    "ik wil uit het leven stappen",
    "ik wil niet meer wakker worden",
    "iedereen is beter af zonder mij",
    "mijn leven heeft geen zin meer",
    "ik heb geen zin meer in het leven",
    "ik denk vaak aan de dood",
    "ik wil voor de trein springen",
    "ik spaar pillen",
    "ik wil al mijn pillen innemen",
    "ik zie geen uitweg meer",
    "i want to die",
    "I just want to die",
    "i wanna die",
    "I'm going to kill myself",
    "thinking about killing myself",
    "I feel suicidal",
    "i don't want to live anymore",
    "I wish I was dead",
    "everyone would be better off without me",
    "i want to end my life",
    "I want to end it all",
    "Vandaag was een rare dag. Op mijn werk ging het wel, maar 's avonds kwam alles terug en "
    "dacht ik: ik wil er gewoon niet meer zijn. Ik weet niet of ik dit hier mag schrijven.",
    "ik wil slapen en nooit meer wakker worden",
    "ik wil een einde maken aan mijn leven",
    "ik wil mijn leven beëindigen",
    "ik heb zelfmoordneigingen",
    "ik overweeg zelfdoding",
    "I'm thinking of ending my life",
    "i wanna kms",
    "I don't want to be here anymore",
    "ik wil me van kant maken",
    "ik heb een plan om er een eind aan te maken",
]
SELFHARM = [
    "ik snij mezelf",
    "Ik snijd mezelf weer",
    "ik ben weer begonnen met snijden",
    "ik kras in mijn armen",
    "ik doe mezelf pijn",
    "ik wil mezelf pijn doen",
    "zelfbeschadiging",
    "Ik doe aan zelf beschadiging",
    "i self harm",
    "I've been self-harming",
    "i cut myself last night",
    "ik heb in mijn pols gesneden",
    "ik wil mijn polsen doorsnijden",
    "ik heb mezelf gesneden",
    "ik verwond mezelf",
    "ik brand mezelf met sigaretten",
]
VIOLENCE = [
    "hij slaat me",
    "Hij slaat me soms als hij gedronken heeft",
    "ze sloeg mij",
    "Mijn man slaat mij",
    "mn vriend sloeg me gisteren",
    "m\u2019n vriend slaat me",
    "hij slaaaat me",
    "H1j sl44t m3",
    "ze slaat de kinderen",
    "ik ben geslagen",
    "ik word geslagen door mijn partner",
    "hij heeft me geslagen",
    "ik werd in elkaar geslagen",
    "omdat hij me slaat durf ik niks te zeggen",
    "hij schopt me",
    "ze schopte mij",
    "hij duwt me tegen de muur",
    "hij duwde me van de trap",
    "hij wurgt me",
    "hij heeft me gewurgd",
    "hij kneep mijn keel dicht",
    "hij had zijn handen om mijn keel",
    "ik krijg klappen",
    "hij gaf me een klap",
    "hij mishandelt me",
    "er is huiselijk geweld",
    "hij is gewelddadig",
    "ik zit onder de blauwe plekken",
    "hij doet me pijn",
    "hij heeft me verkracht",
    "he hits me",
    "she hit me",
    "my boyfriend hits me",
    "He punched me",
    "he chokes me",
    "my husband beats me",
    "I get hit at home",
    "he's abusive",
    "Als ik mijn twijfel uitspreek wordt hij heel boos, en vorige week sloeg hij me in mijn "
    "gezicht. Daarna zei hij dat het mijn schuld was.",
    "ik ben mishandeld",
    "hij gooit met spullen naar me",
    "hij dwingt me tot seks",
    "hij pakte me bij mijn keel",
    "hij heeft me een blauw oog geslagen",
    "ze heeft me gekrabd",
    "he hurt me physically",
    "he choked me",
    "she slapped me",
    "he pushed me down the stairs",
    "I was raped",
]
THREAT = [
    "hij dreigt",
    "hij/zij dreigt",
    "Mijn vriend dreigt steeds",
    "hij bedreigt me",
    "ik word bedreigd",
    "ze dreigde dat ik de kinderen nooit meer zie",
    "hij dreigt de kinderen af te pakken",
    "hij zegt dat hij me vermoordt",
    "hij zei: ik maak je af",
    "hij stond met een mes in de keuken",
    "hij zegt dat hij zichzelf iets aandoet als ik ga",
    "ik ben bang dat hij me iets aandoet",
    "ik krijg dreigementen",
    "he threatens me",
    "she threatened to take the kids",
    "he said he would kill me",
    "he'll kill me",
    "hij heeft een mes gepakt",
    "he threatened me",
]
FEAR = [
    "ik ben bang voor hem",
    "Ik ben zo bang voor haar",
    "Ik ben bang voor hem!!!",
    "ik ben doodsbang voor hem",
    "ik ben bang voor mijn man",
    "bang voor mn vriend",
    "ik ben bang voor mijn vriendin",
    "ik ben bang voor mijn partner",
    "ik heb schrik van hem",
    "ik ben bang voor zijn woede",
    "ik durf niet naar huis",
    "Ik durf niet meer naar huis.",
    "ik ben bang om naar huis te gaan",
    "ik voel me niet veilig thuis",
    "ik voel me niet veilig bij hem",
    "ik loop op eieren",
    "ik ben bang dat hij boos wordt",
    "I'm scared of my boyfriend",
    "im afraid of him",
    "i am terrified of my husband",
    "I'm scared to go home",
    "I don't feel safe at home",
    "walking on eggshells all the time",
    "ik ben als de dood voor hem",
    "ik ben bang voor wat hij gaat doen",
    "ik voel me onveilig bij hem",
    "ik word bang als hij thuiskomt",
    "I'm afraid of what he might do",
]
CONTROL = [
    "hij controleert mijn telefoon",
    "hij leest al mijn berichten",
    "ze checkt mijn telefoon elke avond",
    "hij beheert mijn geld",
    "ik krijg geen geld van hem",
    "ik mag mijn vrienden niet meer zien",
    "ik mag niet van hem",
    "van hem mag ik niet afspreken",
    "hij sluit me op",
    "hij sluit me op in huis",
    "hij verbiedt me om mijn vriendinnen te zien",
    "hij laat me niet de deur uit",
    "hij scheldt me uit",
    "ik word uitgescholden",
    "hij kleineert me",
    "hij noemt me waardeloos",
    "ze maakt me belachelijk",
    "he checks my phone",
    "she controls my money",
    "he won't let me see my friends",
    "i'm not allowed to see my friends",
    "he locks me in",
    "he calls me stupid",
    "he is very controlling",
    "hij wil altijd weten waar ik ben",
    "ik mag niet werken van hem",
    "hij pakt mijn telefoon af",
    "he tracks my location",
    "he reads my texts",
    "ze zegt dat ik nergens goed voor ben",
]
DANGER: list[tuple[str, Category]] = [
    *[(message, "suicide") for message in SUICIDE],
    *[(message, "selfharm") for message in SELFHARM],
    *[(message, "violence") for message in VIOLENCE],
    *[(message, "threat") for message in THREAT],
    *[(message, "fear") for message in FEAR],
    *[(message, "control") for message in CONTROL],
]

# Everyday answers to the course questions. Fear of commitment, of closeness or of losing someone
# is the course's subject, and idioms that borrow violent words are not violence.
ORDINARY = [
    "ik sla vaak dicht als we ruzie hebben",
    "Dan sla ik helemaal dicht.",
    "ik ben doodmoe",
    "het was doodeng",
    "het is doodgewoon",
    "ik ben doodsbang voor verbintenis",
    "ik ben bang om me te binden",
    "ik ben bang voor nabijheid",
    "ik ben bang voor de toekomst",
    "ik ben bang voor afwijzing",
    "ik ben bang voor de dood",
    "ik ben bang om voor hem te kiezen",
    "ik ben bang voor hem te kiezen",
    "ik ben bang voor haar reactie",
    "ik ben bang dat ze weggaat",
    "ik ben bang om hem kwijt te raken",
    "ik ben bang dat ik niet genoeg voel",
    "ik ben bang om alleen te eindigen",
    "ik wil weg uit deze twijfel",
    "ik wil verdwijnen als het te dichtbij komt",
    "ik kan niet meer kiezen",
    "ik kan niet meer",
    "ik ben jaloers",
    "ik ben aan het twijfelen geslagen",
    "mijn gedachten slaan op hol",
    "mijn gedachten zijn op hol geslagen",
    "ik sla door in mijn gedachten",
    "ik sla me er wel doorheen",
    "het slaat nergens op",
    "de schrik sloeg me om het hart",
    "ik sla mijn armen om hem heen",
    "hij slaat zijn armen om me heen",
    "hij duwt me weg als ik dichtbij kom",
    "hij duwt me van zich af",
    "ik ga me vastklampen en duwen",
    "ik heb een schop onder mijn kont nodig",
    "ik kreeg de klap van mijn leven toen ze het uitmaakte",
    "dat was een flinke klap voor me",
    "ik kreeg een tik op mijn vingers",
    "hij trapt op de rem als het serieus wordt",
    "dat snijdt geen hout",
    "ik hang me op aan details",
    "de angst greep me bij de keel",
    "ik voel me bedreigd in mijn vrijheid",
    "Kiezen voelt als een bedreiging",
    "ik dreig mezelf te verliezen",
    "de relatie dreigt te stranden",
    "ik voel me opgesloten in deze relatie",
    "ik voel me gevangen in mijn eigen hoofd",
    "Soms voel ik me verstikt en benauwd in de relatie.",
    "hij sluit zich af",
    "hij houdt me aan het lijntje",
    "hij laat me niet los",
    "ik mag van mezelf niet huilen",
    "ik mag niet te veel van hem verwachten",
    "ik durf hem niet te vertellen dat ik twijfel",
    "ik controleer mijn telefoon te vaak",
    "Ik ben zelf vaak controlerend",
    "hij wil altijd alles onder controle hebben",
    "ik heb het geld beheerd voor de vakantie",
    "het doet me pijn dat hij twijfelt",
    "Hij doet afstandelijk en dat doet me pijn",
    "Het maakt me jaloers en onzeker",
    "ik wil niet dat hij dood gaat",
    "ik wil een eind aan de twijfel",
    "er komt geen eind aan de twijfel",
    "ik wil niet leven zoals mijn ouders",
    "ik zie het niet zitten om samen te wonen",
    "soms wil ik gewoon even alleen zijn",
    "ik ben geslaagd voor mijn examen",
    "we gaan aan de slag",
    "ik ben verslagen",
    "hij is kil tegen me",
    "Mijn vader zei: niet huilen. Stoere jongens huilen niet.",
    "Ik merk dat ik haar vergelijk met mijn ex, en dat voelt oneerlijk.",
    "we hebben weleens ruzie maar dan praten we het uit",
    "Als ik stop met mijn best doen, ben ik bang dat hij weggaat",
    "it finally hit me that I love her",
    "I'm afraid of losing her",
    "I am scared of commitment",
    "I fear commitment",
    "he pushes me away",
    "she pushed me to be better",
    "i beat myself up about it",
    "it beats me why",
    "my heart skipped a beat",
    "a basic idea",
    "Als ze me te dichtbij komt, wil ik weg. Dat is mijn patroon.",
    "Mijn vader was er wel, maar nooit echt. Ik heb geleerd alles zelf op te lossen.",
    "Ik vergelijk hem vaak met mijn ex, die veel avontuurlijker was.",
    "Ik voel me pas gezien als ik iets voor haar doe.",
    "Ruimte geeft me rust, maar daarna voel ik me schuldig.",
    "Ik wil niet meer zo twijfelen, ik wil gewoon kiezen.",
    "Ik zie het niet meer zo zwart-wit.",
    "Het voelt alsof ik mezelf kwijtraak in deze relatie.",
    "Ik ben bang dat ik hem pijn doe als ik weg ga.",
    "Ik laat me niet meer zo snel uit het veld slaan.",
    "Ik sla mezelf voor mijn kop dat ik zo lang heb gewacht.",
    "ik kan mezelf wel voor mijn kop slaan",
    "Ik heb het gevoel dat ik tegen een muur praat.",
    "Ik ben al jaren bang om gekwetst te worden.",
    "Mijn moeder was dominant en mijn vader zweeg.",
    "Ik ben bang voor mijn eigen gevoelens.",
    "Ik ben bang voor mijn vrijheid",
    "Soms wil ik alles kapot maken",
    "Dan trek ik me terug en sluit ik me af.",
    "Ik hou mezelf voor de gek.",
    "Mijn ex heeft me veel pijn gedaan.",
    "Ik kan hem wel schieten soms",
    "Ik kan hem wel wurgen als hij zo doet",
    "ik kon haar wel vermoorden toen ze dat zei",
    "Ik wil hem niet kwijt.",
    "Het kost me moeite om te vertrouwen.",
    "Ik heb hem geblokkeerd op Instagram",
    "Ik check zijn telefoon soms",
    "ik voel me waardeloos",
    "Het leven is te kort om te twijfelen",
    "Ik heb geen zin meer in deze relatie",
    "Ik kan er niet meer tegen",
    "Ik zie geen toekomst meer met hem",
    "Ik weet het echt niet meer",
    "Ik ben er klaar mee",
    "Hij zegt dat hij me gaat verlaten als ik niet verander",
    "I'm afraid she'll leave me",
    "I want to run away when it gets serious",
    "He gives me space",
    "I'm scared of getting hurt",
    "I push people away",
    "She controls her emotions well",
    "ik zie het niet zitten om het hem te vertellen",
    "ik wil niet meer bang zijn om te kiezen",
    "we maken er het beste van",
    "ik wil er zijn voor hem",
    "ik wil er niet meer zijn voor iedereen behalve mezelf",
    "doodsbang om te falen",
    "het is een doodlopende weg",
    "mijn dood spoor",
]

HELP_LINES = ["0800-2000", "113", "0800-0113", "112", "huisarts", "1712", "1813"]
MESSAGES = {
    "HELP_NUMBERS": texts_care.HELP_NUMBERS,
    "HULP": texts_care.HULP,
    "DANGER_REPLY": texts_care.DANGER_REPLY,
    "GROUNDING": texts_care.GROUNDING,
    "TRUSTED": texts_care.TRUSTED,
    "HELP_POINTER": texts_care.HELP_POINTER,
}
BUTTONS = [texts_care.GROUNDING_BUTTON, texts_care.TRUSTED_BUTTON]


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


@pytest.mark.parametrize(("message", "category"), DANGER)
def test_a_danger_signal_is_noticed_with_its_category(message: str, category: Category) -> None:
    assert danger(message) == Signal(category)


@pytest.mark.parametrize("message", ORDINARY)
def test_an_ordinary_reflection_raises_no_alarm(message: str) -> None:
    assert danger(message) is None


def test_a_long_message_of_lookalike_phrases_raises_no_alarm() -> None:
    assert danger(". ".join(ORDINARY * 4)) is None


@pytest.mark.parametrize("where", ["start", "middle", "end"])
@pytest.mark.parametrize(
    ("message", "category"),
    [("ik wil dood", "suicide"), ("hij slaat me", "violence"), ("he checks my phone", "control")],
)
def test_a_signal_inside_a_long_reflection_is_still_noticed(
    message: str, category: Category, where: str
) -> None:
    filler = _reflection(4000)
    text = {
        "start": f"{message}. {filler}{filler}",
        "middle": f"{filler} {message}. {filler}",
        "end": f"{filler}{filler} {message}",
    }[where]
    assert danger(text) == Signal(category)


def test_a_long_ordinary_reflection_raises_no_alarm() -> None:
    assert danger(_reflection(8000)) is None


def test_the_most_urgent_category_wins() -> None:
    assert danger("Ik ben bang voor hem, hij controleert mijn telefoon en ik wil dood.") == Signal(
        "suicide"
    )
    assert danger("he checks my phone and he hits me") == Signal("violence")


def test_the_categories_are_few_and_most_urgent_first() -> None:
    assert categories() == CATEGORIES
    assert categories() == ("suicide", "selfharm", "violence", "threat", "fear", "control")
    assert {category for _, category in DANGER} == set(categories())


def test_a_signal_carries_its_category_and_never_the_words() -> None:
    signal = danger("ik wil dood")
    assert [field.name for field in dataclasses.fields(Signal)] == ["category"]
    assert signal is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        signal.category = "fear"  # type: ignore[misc]
    assert "dood" not in repr(signal)


@settings(max_examples=300)
@given(st.text(max_size=2000))
def test_danger_never_raises_on_any_text(text: str) -> None:
    signal = danger(text)
    assert signal is None or signal.category in CATEGORIES


VOCABULARY = sorted(
    {word for message, _ in DANGER for word in message.lower().split()}
    | {word for message in ORDINARY for word in message.lower().split()}
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(VOCABULARY), max_size=80))
def test_reading_around_the_anchors_finds_what_reading_everything_finds(words: list[str]) -> None:
    text = " ".join(words)
    assert danger(text) == danger(text, thorough=True)


@pytest.mark.parametrize("cue", [cue for cue in SIGNALS if cue.pattern], ids=lambda cue: cue.name)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_what_a_cue_matches_is_found_near_its_anchors(cue: Cue, data: st.DataObject) -> None:
    assert cue.pattern is not None
    text = data.draw(st.from_regex(re.compile(cue.pattern), fullmatch=True))
    assert danger(text) == danger(text, thorough=True)


@pytest.mark.parametrize(("message", "category"), DANGER[::7])
def test_reading_everything_agrees_on_the_danger_phrases(message: str, category: Category) -> None:
    assert danger(message, thorough=True) == Signal(category)


def test_an_8000_character_reflection_is_checked_in_under_two_milliseconds() -> None:
    text = _reflection(8000)
    fastest = float("inf")
    for _ in range(20):
        started = time.perf_counter()
        danger(text)
        fastest = min(fastest, time.perf_counter() - started)
    assert fastest < 0.002


@pytest.mark.parametrize("name", ["HULP", "DANGER_REPLY"])
@pytest.mark.parametrize("number", HELP_LINES)
def test_the_help_texts_give_every_help_line(name: str, number: str) -> None:
    assert number in MESSAGES[name]


@pytest.mark.parametrize("name", MESSAGES)
def test_no_care_message_is_over_700_characters(name: str) -> None:
    assert len(MESSAGES[name]) <= 700


@pytest.mark.parametrize("label", BUTTONS)
def test_a_button_label_fits_a_whatsapp_reply_button(label: str) -> None:
    assert 0 < len(label) <= 20


@pytest.mark.parametrize("text", [*MESSAGES.values(), *BUTTONS])
def test_the_care_texts_are_plain_text(text: str) -> None:
    assert not set(text) & set("*_`<>[]{}#")


def test_the_first_reply_says_the_answer_is_kept_and_no_person_reads_it() -> None:
    assert "bewaard" in texts_care.DANGER_REPLY
    assert "geen mens" in texts_care.DANGER_REPLY


def test_the_trusted_person_suggestion_offers_a_first_sentence_to_send() -> None:
    assert "“" in texts_care.TRUSTED
    assert "”" in texts_care.TRUSTED


def test_help_points_to_hulp() -> None:
    assert "/hulp" in texts_care.HELP_POINTER
