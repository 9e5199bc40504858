"""Notice when a participant's message signals danger, so the bot answers with help first.

The courses are about doubt in a relationship, and some doubt is justified: the participant is
afraid of their partner, controlled, belittled, threatened or hit, or is in crisis and thinks about
ending their life. Such a message must not be filed away as just another reflection. `danger`
reads a message and names the kind of danger it signals, if any; what to say back lives in
`bot.texts_care`.

The signals (`SIGNALS`) fall in a few categories; when a message fits several, the most urgent
one, first in this list, is reported:

- ``suicide``: thoughts of suicide or of not wanting to live ("ik wil dood", "ik wil er niet meer
  zijn", "ik zie het niet meer zitten", "zelfmoord", "i want to die", "kill myself").
- ``selfharm``: hurting oneself ("mezelf snijden", "krassen", "zelfbeschadiging", "self harm").
- ``violence``: being hurt by someone, physically or sexually ("hij slaat me", "ze sloeg mij",
  "geslagen", "schopt", "duwt me", "wurgt", "verkracht", "he hits me").
- ``threat``: being threatened ("hij dreigt", "bedreigt me", "hij maakt me af", threats to take
  the children, "he threatens").
- ``fear``: being afraid of one's partner or of going home ("ik ben bang voor hem", "ik durf niet
  naar huis", "ik loop op eieren", "i'm scared of my boyfriend").
- ``control``: coercive control and belittling: the partner controls the phone, money, contacts or
  movements, locks the participant in, forbids friends, calls them names or humiliates them.

A false alarm is acceptable; a miss is not. So the signals lean towards matching: a kind reply
with help numbers costs someone who was fine a moment of reading, while silence towards someone in
danger can cost far more. They are not blind, though: the courses are about commitment anxiety,
and their everyday words must not set off an alarm. These choices are deliberate:

- fear counts when it is fear of a person ("bang voor hem", "bang voor mijn vriend"), of the
  partner's anger ("bang dat hij boos wordt", "bang voor zijn woede") or of going home; fear of
  commitment, closeness, choosing or losing someone does not ("bang om me te binden", "doodsbang
  voor verbintenis", "bang om voor hem te kiezen", "bang voor haar reactie", "afraid of losing
  her"); "bang voor mijn vader" alone does not either, violence by anyone does;
- "dood" counts as a wish ("ik wil dood", "liever dood"), not inside a word ("doodmoe",
  "doodsbang") and not as "ik wil niet dood";
- idioms that borrow violent words are recognised and set aside first (`LOOKALIKES`):
  "dichtslaan" (freezing up), "aan het twijfelen geslagen", "op hol geslagen", "hij duwt me weg"
  (emotional distance), "een schop onder mijn kont", "dat snijdt geen hout", "het sloeg me om het
  hart", "ik kan hem wel wurgen", "de klap van mijn leven", "ik voel me bedreigd in mijn
  vrijheid", "opgesloten in deze relatie", "it hit me", "she pushes me to grow";
- some phrases stay signals although they are often meant mildly, because they are also how people
  in danger talk: "ik zie het niet meer zitten" (also "met hem"), "er een eind aan maken" (also
  when it is the relationship), "geen uitweg", "ik loop op eieren", "hij doet me pijn", "ik voel
  me niet veilig bij hem", "hij dreigt weg te gaan", "we schelden elkaar uit";
- "ik kan niet meer", "ik wil weg", "ik wil verdwijnen", "jaloers" and "het doet me pijn" are not
  signals on their own: they are everyday words for tiredness, doubt and heartache.

Before matching, a message is normalised: lower case, accents and apostrophes dropped ("m'n"
reads "mn"), look-alike digits inside words read as letters ("su1c1de"), every run of one letter
written once (so "doooood", "zelfmord" and "zelfmoord" read alike; the patterns are squeezed the
same way), and everything else that is not a letter or digit read as a space ("hij/zij dreigt",
"zelf-moord"). Words that signal danger wherever they stand ("zelfmoord", "zelfbeschadiging",
"mishandeling") also count inside longer words ("zelfmoordgedachten", "kindermishandeling").

To stay fast on long messages, each cue names anchors: words at least one of which every match
contains. Only cues whose anchors occur are tried, and only on the words around an anchor.
``danger(text, thorough=True)`` tries every cue on the whole text instead; the answer must be the
same, and the tests check that it is.

The participant's words never leave this module: a `Signal` carries only its category, so it can
be logged and counted without content.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal, NamedTuple

Category = Literal["suicide", "selfharm", "violence", "threat", "fear", "control"]

#: Most urgent first: when a message fits several categories, the first one is reported.
CATEGORIES: Final[tuple[Category, ...]] = (
    "suicide",
    "selfharm",
    "violence",
    "threat",
    "fear",
    "control",
)


@dataclass(frozen=True, slots=True)
class Signal:
    """That a message signals danger, and of which kind; never what the message said."""

    category: Category


class Cue(NamedTuple):
    """One way danger shows in words.

    `anchors` are words, separated by spaces, at least one of which every match contains; a
    trailing ``*`` lets an anchor stand inside a longer word. `pattern` is a regular expression
    over the normalised words, written in ordinary spelling: its doubled letters are squeezed like
    the text's, so write a doubled letter inside one literal ("pi(?:llen|l)", not "pil(?:len)?").
    Without a pattern, the anchors themselves are the signal.
    """

    name: str
    category: Category
    anchors: str
    pattern: str | None = None


class Lookalike(NamedTuple):
    """An everyday phrase that borrows a danger word; it is set aside before the cues are read."""

    name: str
    pattern: str


def _any(words: str) -> str:
    """A regular expression for any of the space-separated `words`."""
    return "(?:" + "|".join(words.split()) + ")"


# Building blocks, in the normalised spelling (no accents, no apostrophes: "m'n" reads "mn").
_NOT = r"(?:niet|nie|nit|nt)"
_MORE = r"(?:meer|mer|mr|langer|verder)"
_ME = r"(?:me|mij|mi|mie)"
_SELF = r"(?:mezelf|mijzelf|mzelf|mezelve|mijzelve)"
_MY = r"(?:mijn|mn|min|mijne|m n)"
_HE = r"(?:hij|hy|hei|ie|zij|zy|ze)"
_PARTNER = _any(
    "man vrouw vriend vriendin vriendje vriendinnetje partner echtgenoot echtgenote ex vent lief"
    " verloofde wederhelft bf gf"
)
_SOMEONE = rf"(?:{_HE}|{_MY} {_PARTNER})"
_WANT_WORDS = "wil wl wou wilde willen wilt"
_WANT = _any(_WANT_WORDS)
_EN_HE = _any(
    "he she hes shes hed shed hell shell they theyre husband wife boyfriend girlfriend bf gf"
    " partner ex fiance hubby"
)
_EN_PARTNER = _any("partner boyfriend girlfriend husband wife bf gf ex fiance hubby man")
_EN_MY_PARTNER = rf"(?:my|mi) {_EN_PARTNER}"
_BODY = _any(
    "arm armen pols polsen been benen bovenbeen bovenbenen dij dijen huid buik vel hand handen"
    " enkel heup heupen"
)
# "haar" and "her" are also possessives: "bang voor haar reactie" is about her reaction.
_HER_NOUN_NL = _any(
    "reactie reacties oordeel mening gevoel gevoelens verdriet teleurstelling verwachting"
    " verwachtingen familie ouders moeder vader vrienden vriendinnen toekomst antwoord vraag vragen"
    " liefde nabijheid emoties tranen twijfel twijfels keuze beslissing afwijzing wens wensen"
    " kinderwens plannen eisen woorden ex zus broer kritiek kant stilte blik afstand"
)
_HER_NOUN_EN = _any(
    "reaction response feelings opinion judgement judgment family parents mom mum mother dad"
    " father friends disappointment expectations answer questions love emotions tears doubts"
    " decision rejection ex sister brother future criticism silence"
)
_HIM_NL = (
    rf"(?:(?:hem|em|m|hen)\b(?! (?:te|om)\b)|(?:haar|dr|der)\b(?! (?:te|om|{_HER_NOUN_NL})\b))"
)
_HIS_ANGER = _any(
    "woede woedeaanval woedeaanvallen agressie agressiviteit boosheid drift driftbuien driftbui"
    " geweld uitbarsting uitbarstingen buien handen vuist vuisten klappen dreigementen"
)
_SLAAN_WORDS = "slaat slaad sloeg sloegen slaan slat"
# Only "slaan" among the infinitives: "me vastklampen en duwen" is not violence.
_HURT_NL_WORDS = (
    f"{_SLAAN_WORDS} schopt schopte schopten trapt trapte duwt duwde wurgt wurgde stompt stompte"
    " mept mepte mishandelt mishandelde"
)
_HURT_NL_ME_WORDS = (
    "schopt schopte schopten schop trapt trapte trapten duwt duwde duwden stompt stompte mept mepte"
    " knijpt kneep bijt beet krabt krabde gooit gooide smijt smeet"
)
_HURT_EN_WORDS = (
    "hit hits hitting beat beats beating punch punches punched punching kick kicks kicked kicking"
    " slap slaps slapped slapping choke chokes choked choking strangle strangles strangled"
    " strangling shove shoves shoved shoving smack smacks smacked smacking hurts hurting abuse"
    " abuses abused abusing grab grabs grabbed grabbing push pushes pushed pushing throw throws"
    " throwing threw bit bites"
)
_CUT_WORDS = (
    "snij snijd snijdt snijden sneed sneden gesneden kras krast krassen kraste krasten gekrast"
    " brand brandt branden brandde gebrand"
)
_KILL_ME_WORDS = (
    "kill killing kills killmyself killingmyself killsmyself killmy killingmy killsmy kms unalive"
    " unaliving unalived"
)
_CONTROL_EN_WORDS = (
    "control controls controlled controlling forbid forbids forbidding forbade possessive went took"
    " takes"
)

LOOKALIKES: Final[tuple[Lookalike, ...]] = (
    Lookalike(
        "dichtslaan: freezing up",
        r"\b(?:sla\w*|sloeg\w*) (?:\w+ )?dicht\b|\bdicht ?(?:te )?(?:ge)?(?:sla\w*|sloeg\w*)",
    ),
    Lookalike(
        "'aan het twijfelen geslagen': taking something up", r"\baan (?:het|de) \w+ (?:ge)?sla\w*"
    ),
    Lookalike(
        "'op hol, op de vlucht, met stomheid geslagen' and kin",
        r"\b(?:op hol|op de vlucht|met stomheid|alarm|een brug|munt|lam|uit het veld|als een)"
        r" ?(?:te )?(?:ge)?(?:sla\w*|sloeg\w*)(?: hond)?",
    ),
    Lookalike("'uit het veld slaan', the object first", r"\buit het veld (?:te )?sla\w*"),
    Lookalike(
        "'de schrik sloeg me om het hart'",
        r"\b(?:sla\w*|sloeg\w*) (?:me|mij) om het hart"
        r"|\b(?:me|mij) om het hart (?:sla\w*|sloeg\w*)",
    ),
    Lookalike(
        "'ik sla me erdoorheen': pushing through",
        r"\b(?:sla\w*|sloeg\w*) (?:me|mij|ons) (?:\w+ )?er ?door\w*"
        r"|\b(?:me|mij|ons) (?:\w+ )?er ?door\w* (?:te )?(?:sla\w*|sloeg\w*)",
    ),
    Lookalike("'het slaat nergens op'", r"\b(?:sla\w*|sloeg\w*) (?:\w+ )?nergens op\b"),
    Lookalike(
        "an embrace: 'zijn armen om me heen slaan'",
        r"\barm(?:en)? (?:\w+ )?om (?:me|mij|hem|haar|ons) heen",
    ),
    Lookalike(
        "pushing away as emotional distance",
        r"\b(?:duw\w*|geduwd) (?:me|mij|ons|hem|haar) (?:\w+ )?(?:weg|van zich af)\b"
        r"|\b(?:weg|van zich af) ?(?:te )?(?:duw\w*|geduwd)"
        r"|\bpush\w* (?:me|us|him|her) (?:\w+ )?(?:away|harder|forward|further|out of"
        r"|to (?:be|do|grow|change|try|open|talk|commit|decide|make|go))\b",
    ),
    Lookalike(
        "a kick as motivation, a kick when one is down",
        r"\b(?:schop|trap|schopje) (?:onder|tegen) (?:mijn|mn|de|je|zn|m n) (?:kont|achterste|reet)"
        r"|\btrap (?:\w+ )?na\b",
    ),
    Lookalike(
        "falling for something, treading on toes",
        r"\b(?:erin|in de val|er in) ?(?:ge)?trap\w*|\bop (?:\w+ )?(?:tenen|ziel) ge?trap\w*",
    ),
    Lookalike("'dat snijdt geen hout'", r"\bsnij\w* (?:\w+ )?(?:geen|wel) hout\b"),
    Lookalike("fixating: 'ik hang me op aan details'", r"\bhang\w* (?:me|mij) (?:\w+ )?op aan\b"),
    Lookalike(
        "feeling threatened in one's freedom",
        r"\bbedreig\w* (?:\w+ )?in (?:mijn|mn|m n|onze) (?:vrijheid|ruimte|autonomie"
        r"|onafhankelijkheid)",
    ),
    Lookalike(
        "feeling locked in a relationship or in one's head",
        r"\bopgesloten in (?:deze|mijn|mn|onze|de|een|die) (?:relatie|hoofd|gedachten|twijfel"
        r"|patroon|patronen|leven|gevoel|angst)",
    ),
    Lookalike(
        "'de angst grijpt me bij de keel'",
        r"\b(?:angst|paniek|spanning|twijfel|stress)\w* (?:grijpt|greep|knijpt|kneep|pakt)"
        r" (?:me|mij) (?:\w+ )?(?:bij )?(?:de|mijn|mn) keel",
    ),
    Lookalike(
        "'it hit me': a realisation",
        r"\b(?:it|that|this|reality|then it|suddenly it) (?:\w+ )?hits? me\b",
    ),
    Lookalike("'it beats me'", r"\b(?:it|that) beats me\b"),
    Lookalike(
        "exasperation: 'ik kan hem wel wurgen'",
        r"\b(?:kan|kon|zou) (?:ik )?(?:hem|haar|m|dr) (?:wel )?(?:\w+ )?(?:wurgen|vermoorden"
        r"|schieten|slaan|killen|afmaken)\b",
    ),
    Lookalike(
        "a blow of fate, a rap on the knuckles",
        r"\b(?:een|de) (?:\w+ )?klap (?:voor|van) (?:me|mij|mijn|mn|ons)\b"
        r"|\btik op (?:mijn|mn|de) vingers\b",
    ),
)

SIGNALS: Final[tuple[Cue, ...]] = (
    # suicide
    Cue(
        "zelfmoord, suicide, in any spelling",
        "suicide",
        "zelfmoord* zelmoord* selfmoord* zefmoord* zelfmoort* zelfdoding* suicid* suicd* sucid*"
        " suisid* suiscid* suizid* suicyd* suecid* sewerslid*",
    ),
    Cue(
        "zelf moord, split up",
        "suicide",
        "moord moort doding icide icidaal icidal icidale",
        r"\b(?:zelf|zel|self) (?:moord|moort|doding)\b|\b(?:s|su) icid(?:e|aal|al|ale)\b",
    ),
    Cue(
        "kill myself, kms, unalive",
        "suicide",
        _KILL_ME_WORDS,
        r"\bkill(?:ing|s)? ?my ?self\b|\bunaliv(?:e|ing|ed)\b"
        r"|\b(?:wanna|want to|gonna|going to|will|might|just|should|ll|to) kms\b",
    ),
    Cue(
        "wil dood, liever dood",
        "suicide",
        "dood doodgaan",
        rf"\b{_WANT}(?: (?!dat\b|{_NOT}\b|hem\b|haar\b|je\b|jou\b|{_ME}\b)\w+){{0,2}}"
        r" dood(?: ?gaan| zijn)?\b(?! (?:moe|op|ziek|eng|stil|normaal|gewoon|leuk|saai|bang)\b)"
        rf"|\bdood (?:\w+ )?{_WANT}\b"
        r"|\b(?:liever|beter|maar|beter af) dood\b(?! (?:moe|op|ziek|eng|stil|normaal|gewoon)\b)"
        r"|\bdat ik (?:\w+ )?dood (?:was|ben|zou zijn|zou)\b",
    ),
    Cue(
        "wil niet meer leven",
        "suicide",
        "leven leve levn lev",
        rf"\b(?:{_WANT}|hoef|hoeft|kan)(?: \w+){{0,3}} {_NOT} {_MORE}(?: \w+)? (?:te )?leve?n?\b"
        rf"|\b{_NOT} {_MORE} (?:{_WANT}|hoef|hoeven) (?:te )?leve?n?\b",
    ),
    Cue(
        "wil er niet meer zijn, niet meer bestaan",
        "suicide",
        f"{_WANT_WORDS} hoef hoeven",
        rf"\b{_WANT}(?: \w+){{0,2}} er (?:\w+ ){{0,2}}{_NOT} (?:{_MORE} )?(?:zijn|wezen|bestaan)\b"
        r"(?! voor\b)"
        rf"|\ber (?:\w+ )?{_NOT} {_MORE} (?:{_WANT}|hoef|hoeven) (?:te )?zijn\b(?! voor\b)"
        rf"|\b{_WANT}(?: \w+){{0,2}} {_NOT} (?:{_MORE} )?bestaan\b"
        rf"|\b{_NOT} {_MORE} {_WANT} bestaan\b",
    ),
    Cue(
        "zie het niet meer zitten, geen uitweg",
        "suicide",
        "zitten zitte zittn uitweg",
        rf"\bzie\b(?: \w+){{0,3}} {_NOT} (?:\w+ )?(?:meer|mer|mr) zi(?:tten|tte|ttn)\b"
        r"|\bgeen (?:\w+ )?uitweg\b",
    ),
    Cue(
        "er een eind aan maken, mijn leven beeindigen",
        "suicide",
        "eind einde eindje leven",
        r"\ber(?: \w+){0,2} een eind(?:e|je)? aan (?:\w+ )?(?:te )?(?:mak\w*|gemaakt)\b"
        r"|\bmaak\w* (?:er|het) (?:\w+ )?(?:een )?eind(?:e)? aan\b"
        rf"|\beind(?:e)? (?:\w+ )?aan (?:{_MY}|het|dit|mijn eigen) leven\b"
        rf"|\b(?:{_MY}|het|dit) leven (?:\w+ )?(?:beeindig|stoppen|stopzetten|nemen)\w*"
        rf"|\bbeeindig\w* (?:{_MY}|het|dit) leven|\bstop\w* met leven\b"
        r"|\buit het leven (?:te )?(?:stap|gaan|te stappen)",
    ),
    Cue(
        "mezelf iets aandoen, van kant maken, ophangen",
        "suicide",
        "mezelf mijzelf mzelf mezelve mijzelve doe doen doet aandoe aandoen aandoet kant hang"
        " hangen ophang ophangen",
        rf"\b{_SELF}(?: \w+){{0,2}} (?:iets|wat|iet|ets) aan ?(?:te )?doe[nt]?\b"
        r"|\b(?:ik|k) (?:\w+ ){0,2}(?:me|mij) (?:iets|wat) aan ?(?:te )?doe[nt]?\b"
        rf"|\b(?:doe|deed|doen) {_SELF} (?:\w+ ){{0,2}}(?:iets|wat) aan\b"
        rf"|\b(?:{_SELF}|me|mij) (?:\w+ )?van kant (?:te )?mak"
        rf"|\b(?:{_SELF}|me|mij) (?:\w+ ){{0,2}}op ?(?:te )?hang(?:en)?\b(?! aan\b)"
        rf"|\bhang (?:{_SELF}|me) op\b(?! aan\b)|\bhang myself\b",
    ),
    Cue(
        "springen voor de trein, pillen",
        "suicide",
        "trein metro auto vrachtwagen bus brug flat dak balkon bridge building roof train"
        " overdosis overdose overdosed pil pillen pills",
        r"\b(?:spring|springen|sprong|gooi|gooien|werp|werpen)\w*(?: \w+){0,3} (?:voor (?:de|een)"
        r" (?:trein|metro|auto|vrachtwagen|bus)|van (?:de|een|het) (?:brug|flat|dak|balkon))"
        r"|\bvoor (?:de|een) (?:trein|metro|vrachtwagen) (?:\w+ )?(?:springen|spring|te springen"
        r"|gooien|werpen|lopen)"
        r"|\bjump (?:off|in front of) (?:a|the) (?:bridge|building|roof|train)"
        r"|\boverdos(?:is|e|ed)\b"
        r"|\b(?:alle|al mijn|al mn|al de|een hele|handvol|doos|strip|potje|te veel) pi(?:llen|l)\b"
        r"|\bpi(?:llen|l) (?:\w+ )?(?:sparen|verzamelen|opsparen)\b"
        r"|\b(?:spaar|spaart|sparen|verzamel\w*) (?:\w+ )?pi(?:llen|l)\b"
        r"|\btake (?:all|all of) (?:my|the) pills\b",
    ),
    Cue(
        "wil niet meer wakker worden, beter af zonder mij",
        "suicide",
        "wakker beter",
        rf"\b(?:{_WANT}|hoop|hoef)(?: \w+){{0,3}} (?:{_NOT}|nooit) (?:{_MORE} )?wakker\b"
        rf"|\bbeter af (?:zijn )?zonder {_ME}\b",
    ),
    Cue(
        "geen zin meer in het leven, denk aan de dood",
        "suicide",
        "zin zinloos dood doodsgedachte doodsgedachten doodswens doodswensen",
        r"\bgeen zin (?:meer )?(?:in|om) (?:te )?(?:het |mijn |mn )?leve?n?\b"
        r"|\bleven (?:\w+ )?(?:heeft|is) (?:\w+ ){0,2}(?:geen zin|zinloos)|\bzinloos leven\b"
        r"|\b(?:denk\w*|dacht\w*)(?: \w+){0,2} aan de dood\b|\baan de dood (?:\w+ )?denk"
        r"|\bdoodsgedachten?\b|\bdoodswens(?:en)?\b",
    ),
    Cue(
        "want to die",
        "suicide",
        "to 2 wanna wish better ready",
        r"\b(?:want|wanted|wants)(?: \w+){0,2} (?:to|2) (?:die|be dead)\b|\bwanna die\b"
        r"|\bwish (?:i|to)(?: \w+){0,2} (?:die|dead)\b|\bbetter off (?:dead|without me)\b"
        r"|\bready to die\b",
    ),
    Cue(
        "don't want to live, end my life",
        "suicide",
        "live living alive exist wake here end ending life",
        r"\b(?:dont|do not|don t|dnt|no longer)(?: \w+)? (?:want|wanna)(?: to)? (?:live|be alive"
        r"|exist|wake up|be here any ?more)\b"
        r"|\b(?:no reason|nothing) (?:\w+ )?(?:to|for) live\b|\btired of (?:living|being alive)\b"
        r"|\bend(?:ing)? (?:my|it) (?:own )?(?:life|all)\b|\btake my (?:own )?life\b",
    ),
    # self-harm
    Cue(
        "zelfbeschadiging, self harm, in any spelling",
        "selfharm",
        "zelfbeschadig* zelfverwond* zelfverminking* selfharm* selfinjur* automutil*",
    ),
    Cue(
        "zelf beschadiging, self harm, split up",
        "selfharm",
        "beschadiging beschadigen beschadigd verwonding verwonden verminking harm harming injury"
        " injuries",
        r"\b(?:zelf|self) (?:beschadiging|beschadigen|beschadigd|verwonding|verwonden|verminking"
        r"|harm|harming|injury|injuries)\b",
    ),
    Cue(
        "mezelf snijden, krassen, pijn doen",
        "selfharm",
        f"mezelf mijzelf mzelf mezelve mijzelve {_CUT_WORDS}",
        rf"\b{_SELF}(?: \w+){{0,3}} (?:snij\w*|sned\w*|gesned\w*|kras\w*|gekrast|brand\w*"
        r"|verwond\w*|beschadig\w*|pijn (?:te )?d\w*|slaan|sla|bonk\w*|krab\w*|uithonger\w*)"
        rf"|\b(?:doe|deed|doen) {_SELF} (?:\w+ )?pijn\b"
        rf"|\b{_any(_CUT_WORDS)}(?: \w+){{0,2}} (?:{_SELF}|me|mij)\b"
        rf"|\b(?:verwond|verwondt|beschadig|beschadigt|pijnig|pijnigt) {_SELF}\b",
    ),
    Cue(
        "snijden in mijn arm, polsen",
        "selfharm",
        f"{_CUT_WORDS} pols polsen doorsnijden doorsnijd doorsnijdt doorgesneden",
        rf"\b{_any(_CUT_WORDS)}(?: \w+){{0,2}} in {_MY} {_BODY}\b"
        rf"|\bin {_MY} {_BODY} (?:\w+ ){{0,2}}{_any(_CUT_WORDS)}\b"
        r"|\bpols(?:en)? (?:\w+ )?(?:doorsnijden|doorsnijd|doorsnijdt|door te snijden|snijden|snijd"
        r"|snij|doorgesneden|gesneden)\b"
        rf"|\b(?:doorsnijden|doorsnijd|doorsnijdt) (?:\w+ )?{_MY} pols"
        r"|\b(?:weer|opnieuw|begonnen met|gestopt met|terugval)(?: \w+){0,2} (?:snijden|krassen)\b",
    ),
    Cue(
        "cut myself",
        "selfharm",
        "myself self cutting",
        r"\b(?:cut|cutting|cuts|burn|burning|burns|hurt|hurting|hurts|harm|harming|punish"
        r"|punishing|starve|starving|hit|hitting|scratch|scratching) my ?self\b"
        r"|\b(?:cutting|started cutting) again\b|\bstarted cutting\b",
    ),
    # violence
    Cue(
        "hij slaat me, ze sloeg mij",
        "violence",
        f"{_SLAAN_WORDS} sla",
        rf"\b(?<!ik )(?:{_any(_SLAAN_WORDS)}|sla)(?: (?!ik\b|k\b)\w+)?"
        rf" (?:{_ME}|ons|(?:{_MY}|de|onze) (?:kinderen|kids|kind|zoon|dochter|gezicht|hoofd"
        r"|lichaam|rug|buik))\b"
        r"|\b(?:slaat|sloeg) (?:hij|ie|ze|zij)\b(?! (?:\w+ )?(?:dicht|om|toe|aan|door|over|op|af"
        r"|terug|alarm|nergens|mee|zijn|haar|de|het|een)\b)",
    ),
    Cue(
        "omdat hij me slaat, schopt, duwt",
        "violence",
        _HURT_NL_WORDS,
        rf"\b(?:{_ME}|ons)(?: (?!heen\b)\w+){{0,2}} {_any(_HURT_NL_WORDS)}\b",
    ),
    Cue(
        "schopt, trapt, duwt me",
        "violence",
        _HURT_NL_ME_WORDS,
        rf"\b{_any(_HURT_NL_ME_WORDS)}(?: \w+)? (?:{_ME}|ons)\b",
    ),
    Cue(
        "geslagen, geschopt, mishandeld, gewurgd",
        "violence",
        "geslagen geslage geslag geslagn geschopt gewurgd gewurgt gestompt gemept getrapt geduwd"
        " gebeten geknepen gekrabd wurg wurgt wurgde wurgden wurgen",
        r"\bgeslage?n?\b|\bgeschopt\b|\bgestompt\b|\bgemept\b"
        r"|\b(?:wurg|wurgt|wurgde|wurgden|wurgen|gewurgd|gewurgt)\b"
        r"|\b(?:heeft|had|hebben|word|werd|wordt|ben|is|was)(?: \w+){0,3} (?:getrapt|geduwd"
        r"|gebeten|geknepen|gekrabd)\b",
    ),
    Cue(
        "hand om mijn keel, klappen krijgen",
        "violence",
        "keel nek hals klap klappen tik tikken mep dreun oplawaai vuistslag slaag schop schoppen"
        " trap trappen stomp stompen",
        r"\b(?:knijpt|kneep|knijpen|grijpt|greep|pakt|pakte|drukt|drukte|duwt|duwde|houdt|hield)"
        rf"(?: \w+){{0,3}} (?:{_MY}|{_ME}|de) (?:\w+ )?(?:keel|nek|hals)\b"
        rf"|\bhand(?:en)? (?:\w+ )?om {_MY} (?:keel|nek|hals)\b"
        r"|\b(?:gaf|geeft|gaven|geven|kreeg|krijg|krijgt|kregen|gekregen|verkocht|verkoopt)"
        r"(?: \w+){0,2} (?:een )?(?:klap|klappen|tik|tikken|mep|dreun|oplawaai|vuistslag|pak slaag"
        r"|schop|schoppen|trap|trappen|stomp|stompen)\b|\bpak slaag\b",
    ),
    Cue("mishandeling, verkrachting, in any word", "violence", "mishandel* verkracht*"),
    Cue("geweld, also inside a word, but not geweldig", "violence", "geweld*", r"geweld(?!ig)"),
    Cue(
        "hardhandig, blauwe plekken, doet me pijn",
        "violence",
        "hardhandig hardhandige handtastelijk handtastelijke plek plekken gooit gooide smijt smeet"
        " gooien pijn",
        r"\bhardhandige?\b|\bhandtastelijke?\b|\bblauwe ple(?:kken|k)\b"
        r"|\b(?:gooit|gooide|smijt|smeet|gooien)(?: \w+){0,3} naar (?:me|mij|mijn hoofd|mn hoofd)\b"
        rf"|\b(?:hij|hy|ie|zij|ze)(?: \w+)? (?:doet|deed) {_ME} (?:\w+ )?pijn\b"
        rf"|\b(?:hij|hy|ie|zij|ze)(?: \w+){{0,2}} {_ME} (?:\w+ )?pijn (?:doet|deed)\b",
    ),
    Cue(
        "verkracht, aangerand, gedwongen tot seks",
        "violence",
        "aangerand aanranding aanranden seks sex vrijen bed rape raped raping rapist rapists"
        " assault assaulted",
        r"\baangerand\b|\baanrand(?:ing|en)\b"
        r"|\b(?:dwingt|dwong|gedwongen|dwingen)(?: \w+){0,3} (?:tot )?(?:seks|sex|vrijen|naar bed)"
        r"|\bseks (?:\w+ ){0,3}(?:tegen mijn wil|terwijl ik (?:dat )?niet wil)"
        r"|\brape\b|\braped\b|\braping\b|\brapists?\b|\bsexua(?:lly|l) assault(?:ed)?\b"
        r"|\bforced me (?:to have sex|into sex)",
    ),
    Cue(
        "he hits me",
        "violence",
        _HURT_EN_WORDS,
        rf"\b(?:{_EN_HE}|{_EN_MY_PARTNER})(?: \w+){{0,2}} {_any(_HURT_EN_WORDS)}"
        r" (?:me|us|my|the kids|the children)\b"
        r"|\b(?:strangle|strangles|strangled|strangling)\b"
        r"|\b(?:choke|chokes|choked|choking) (?:me|us)\b(?! up)",
    ),
    Cue(
        "i get hit, domestic violence",
        "violence",
        "hit beaten punched kicked slapped choked strangled abused raped shoved beat beats throw"
        " throws throwing threw hurt hurts physically domestic abusive abuser bruises",
        r"\b(?:get|got|gets|getting|been|was|am|being|im|were) (?:\w+ )?(?:hit|beaten|punched"
        r"|kicked|slapped|choked|strangled|abused|raped|shoved)\b"
        r"|\bbeats? (?:me|us) up\b|\b(?:throw|throws|throwing|threw) (?:\w+ ){0,2}at me\b"
        r"|\bhurts? me physically\b|\bphysically (?:hurt|abused|abusive)\b"
        r"|\bdomestic (?:violence|abuse)\b|\babusive\b|\babuser\b|\bbruises\b",
    ),
    # threat
    Cue(
        "hij dreigt, bedreigt me, dreigementen",
        "threat",
        "dreig*",
        rf"\b{_SOMEONE}(?: \w+){{0,2}} (?:be)?dreig(?:t|d|de|den|en)?\b"
        r"|\bgedreigd\b|\bbedreigd\b"
        rf"|\bbedreig(?:t|de|den|en)? (?:{_ME}|ons|de kinderen|{_MY})\b"
        r"|\bdreig\w* met (?:\w+ ){0,2}(?:geweld|de dood|een mes|een wapen|slaan|zelfmoord"
        r"|de kinderen|zichzelf|mij|me)\b"
        r"|\bdreigement|\bdoods ?bedreig"
        r"|\bbedreigingen (?:van|door|geuit|gekregen|gehad|ontvangen|gestuurd)\b"
        r"|\b(?:krijg|kreeg|ontvang|ontving|gekregen|uit|uitte|stuurt|stuurde) (?:\w+ ){0,2}"
        r"bedreiging",
    ),
    Cue(
        "vermoorden, afmaken, van kant maken",
        "threat",
        "vermoord* af dood kant zeep",
        rf"\bvermoord|\bmaak\w* (?:me|mij|je|jou|ons) (?:af|dood)\b|\bvan kant (?:te )?mak"
        rf"|\bom zeep (?:te )?help|\b{_WANT} (?:{_ME}|ons) dood\b",
    ),
    Cue(
        "hij doet me iets aan",
        "threat",
        "doe doen doet aandoe aandoen aandoet",
        rf"\b{_SOMEONE}(?: \w+){{0,3}} (?:{_ME}|ons|de kinderen|je|jou) (?:\w+ )?(?:iets|wat) aan"
        r" ?(?:te )?doe[nt]?\b"
        rf"|\bdoe[nt]? (?:{_ME}|je|jou|ons|de kinderen) (?:\w+ )?(?:iets|wat) aan\b"
        r"|\bzichzelf (?:\w+ ){0,2}(?:iets|wat) aan ?(?:te )?doe[nt]?\b",
    ),
    Cue(
        "de kinderen afpakken",
        "threat",
        "kinderen kids kind zoon dochter",
        r"\b(?:kinderen|kids|kind|zoon|dochter) (?:\w+ ){0,3}(?:af ?(?:te )?pakken|afpakt"
        r"|af ?(?:te )?nemen|afneemt|nooit (?:meer )?(?:\w+ )?zien)\b"
        r"|\b(?:pakt|neemt|pakken|nemen|pakte|nam)(?: \w+){0,3} (?:kinderen|kids|kind|zoon|dochter)"
        r" af\b",
    ),
    Cue(
        "met een mes",
        "threat",
        "mes pistool wapen vuurwapen geweer knuppel honkbalknuppel knife gun weapon",
        r"\b(?:met|pakt|pakte|gepakt|trekt|trok|getrokken|haalt|haalde|gehaald) (?:\w+ )?"
        r"(?:een|zijn|haar|zn|dr|het) (?:mes|pistool|wapen|vuurwapen|geweer|knuppel"
        r"|honkbalknuppel)\b|\b(?:mes|pistool) (?:\w+ )?op (?:mijn|mn|me|mij) (?:keel|hoofd)\b"
        r"|\b(?:mes|pistool|wapen|vuurwapen|geweer) (?:\w+ )?(?:gepakt|getrokken|gehaald)\b"
        r"|\bwith a (?:knife|gun|weapon)\b",
    ),
    Cue(
        "he threatens",
        "threat",
        "threat threats threaten threatens threatened threatening kill murder hurt hit beat kids"
        " children son daughter baby",
        rf"\b(?:{_EN_HE}|{_EN_MY_PARTNER})(?: \w+){{0,2}} threat(?:s|en|ens|ened|ening)?\b"
        r"|\bthreat(?:s|en|ens|ened|ening)? (?:me|us|my|the kids|the children|to (?:kill|hurt|take"
        r"|hit|beat))\b"
        r"|\bdeath threats?\b"
        r"|\b(?:will|would|gonna|going to|might|could|wants to|tried to|try to)(?: \w+)?"
        r" (?:kill|murder|hurt|hit|beat) (?:me|us|the kids|the children|my)\b"
        r"|\b(?:hell|shell|hed|shed|theyll|theyd) (?:kill|murder|hurt|hit|beat) (?:me|us)\b"
        r"|\btake (?:\w+ )?(?:kids|children|son|daughter|baby) (?:away|from me)\b"
        r"|\bnever see (?:the|my|our) (?:kids|children) again\b",
    ),
    # fear
    Cue(
        "bang voor hem, bang dat hij boos wordt",
        "fear",
        "bang angstig angst schrik doodsbang doodsangst doodsangstig dood",
        r"\b(?:bang|angstig|angst|schrik|doodsbang|doodsangst|doodsangstig|als de dood)"
        r"(?: (?!om\b|te\b)\w+)?"
        rf" (?:voor|vor|vr|van) (?:{_HIM_NL}|{_MY} {_PARTNER}\b"
        rf"|(?:zijn|zn|haar|dr|hun|{_MY} partners?) (?:\w+ )?{_HIS_ANGER}\b"
        r"|wat (?:hij|ze|zij|ie) (?:\w+ ){0,2}(?:gaat|zal|kan|zou) (?:\w+ )?doen\b)"
        rf"|\b(?:bang|angstig|als de dood)(?: \w+)? (?:dat|als|wanneer) {_SOMEONE}(?: \w+){{0,3}}"
        r" (?:boos|kwaad|woedend|agressief|driftig|ontploft|ontploffen|door het lint|flipt|flippen"
        r"|slaat|sla|sloeg|iets aandoet|pijn doet|vermoordt|vermoorden|dood ?maakt|explodeert"
        r"|uitvalt|uit zijn slof|thuiskomt|thuis komt|naar huis komt)\b",
    ),
    Cue(
        "durf niet naar huis, niet veilig thuis",
        "fear",
        "huis thuis veilig onveilig",
        rf"\bdurf\w*(?: \w+){{0,3}} (?:{_NOT}|nooit)(?: \w+){{0,2}} (?:naar huis|thuis)\b"
        rf"|\b(?:{_NOT}|nooit) (?:meer )?(?:naar huis|thuis) (?:te )?(?:durf|durven|durfde)\b"
        r"|\bbang(?: \w+){0,2} (?:om )?(?:naar huis|thuis) (?:te )?(?:gaan|komen)\b"
        rf"|\b(?:voel|voelt|ben|zijn|is|was|voelde)(?: \w+){{0,2}} (?:{_NOT} |on ?)veilig"
        r"(?: (?:meer|echt)){0,2} (?:thuis|bij (?:hem|haar|mijn|mn|m)|met (?:hem|haar)"
        r"|in (?:huis|mijn (?:eigen )?huis|zijn buurt|haar buurt))\b"
        rf"|\bonveilig thuis\b|\bthuis (?:\w+ ){{0,2}}(?:{_NOT} (?:meer )?veilig|onveilig)\b"
        rf"|\bik ben (?:\w+ )?{_NOT} (?:meer )?veilig\b(?! (?:in|om|met|over|genoeg)\b)",
    ),
    Cue(
        "op eieren lopen, Veilig Thuis, vrouwenopvang",
        "fear",
        "eieren thuis vrouwenopvang lijf",
        r"\bop eieren\b|\beieren lopen\b|\bveilig thuis\b|\bvrouwenopvang\b|\bblijf van mijn lijf",
    ),
    Cue(
        "scared of him, scared to go home",
        "fear",
        "scared afraid frightened terrified fearful fear fears feared home safe unsafe notsafe egg"
        " eggshell eggshells",
        r"\b(?:(?:scared|afraid|frightened|terrified|fearful)(?: \w+)? of|fear|fears|feared)"
        rf" (?:him|her\b(?! {_HER_NOUN_EN}\b)|{_EN_MY_PARTNER}\b"
        r"|what (?:he|she) (?:\w+ )?(?:might|will|could|would|can|is going to|gonna) do)"
        r"|\b(?:scared|afraid|frightened|terrified)(?: \w+){0,2} (?:to )?(?:go|going|come|coming"
        r"|get|getting) (?:back )?home\b"
        r"|\b(?:dont|do not|don t|never|no longer|not) (?:\w+ )?feel safe (?:at home|with (?:him"
        r"|her)|around (?:him|her)|in my (?:own )?home|any ?more)\b"
        r"|\b(?:not|un) ?safe (?:at home|with (?:him|her)|around (?:him|her))\b"
        r"|\begg ?shells?\b",
    ),
    # control
    Cue(
        "controleert mijn telefoon",
        "control",
        "telefoon gsm mobiel mobieltje berichten appjes apps whatsapp mail mails sms smsjes media"
        " instagram locatie laptop",
        r"\b(?:controleert|checkt|doorzoekt|kijkt|leest|bekijkt|gaat door|pakt|neemt|zit|zat"
        r"|controleerde|checkte|doorzocht|pakte|nam)(?: \w+){0,2} (?:in |aan |door )?"
        rf"(?:{_MY}|al {_MY}) (?:telefoon|gsm|mobiel|mobieltje|berichten|appjes|apps|whatsapp"
        r"|mail|mails|sms|smsjes|sociale media|instagram|locatie|laptop)\b"
        rf"|\b(?:moet|wil)(?: \w+){{0,3}} {_MY} (?:telefoon|berichten|appjes|locatie)"
        r" (?:\w+ )?(?:zien|checken|lezen|controleren|laten zien|delen|aan)\b"
        rf"|\b{_MY} (?:telefoon|gsm|mobiel) (?:\w+ ){{0,2}}(?:afgepakt|afgenomen|ingenomen"
        r"|afpakken|innemen|kapot gegooid|kapotgemaakt)\b",
    ),
    Cue(
        "beheert mijn geld",
        "control",
        "geld pinpas bankpas pasje rekening bankrekening salaris loon uitkering spaargeld",
        r"\b(?:pakt|neemt|beheert|controleert|houdt|heeft|pakte|nam|beheerde|hield)(?: \w+){0,2}"
        rf" (?:{_MY}|al {_MY}) (?:geld|pinpas|bankpas|pasje|rekening|bankrekening|salaris|loon"
        r"|uitkering|spaargeld)\b"
        rf"|\bgeeft {_ME} (?:\w+ )?geen (?:eigen )?geld\b"
        rf"|\bkrijg\w* (?:\w+ )?geen (?:eigen )?geld (?:\w+ )?van (?:hem|haar|{_MY} {_PARTNER})\b"
        r"|\bmoet (?:\w+ ){0,2}(?:om )?geld vragen\b"
        r"|\bmag (?:\w+ ){0,3}geen (?:eigen )?(?:geld|pinpas|bankpas|bankrekening|rekening)\b",
    ),
    Cue(
        "sluit me op, mag niet van hem",
        "control",
        "sluit sluiten sloot opsluit opsluiten opgesloten laat mag",
        rf"\b(?:sluit|sluiten|sloot) (?:{_ME}|ons) (?:\w+ ){{0,3}}op\b"
        rf"|\b(?:{_ME}|ons) (?:\w+ ){{0,2}}op ?(?:te )?sluit(?:en)?\b|\bopsluit(?:en)?\b"
        r"|\b(?:heeft|had|hebben|word|werd|ben|wordt)(?: \w+){0,3} opgesloten\b"
        r"|\bopgesloten door\b"
        rf"|\blaat {_ME} (?:\w+ )?{_NOT} (?:\w+ )?(?:naar buiten|de deur uit|weg|werken|gaan werken"
        r"|afspreken|naar mijn|met vrienden|mijn vrienden|vrienden|familie|ouders)\b"
        rf"|\bmag (?:\w+ )?(?:{_NOT}|niks|niets|nooit|geen \w+) (?:meer )?van (?:hem|haar|{_MY}"
        rf" {_PARTNER})\b"
        rf"|\bvan (?:hem|haar|{_MY} {_PARTNER}) mag (?:ik|k)(?: \w+){{0,2}} (?:{_NOT}|niks|niets"
        r"|nooit|geen)\b"
        rf"|\bmag (?:\w+ ){{0,3}}{_MY} (?:vrienden|vriendinnen|familie|ouders|moeder|vader|zus"
        rf"|broer|collegas) (?:\w+ )?(?:{_NOT}|nooit)(?: meer)?"
        r" (?:zien|spreken|bellen|ontmoeten|bezoeken)"
        rf"|\bmag (?:\w+ ){{0,2}}(?:{_NOT}|nooit)(?: meer)? (?:\w+ ){{0,2}}(?:afspreken|naar buiten"
        r"|de deur uit|werken|uitgaan|alleen weg)\b",
    ),
    Cue(
        "verbiedt me, isoleert me, volgt me",
        "control",
        "verbied verbiedt verbieden verbood isoleert afgesloten volgt stalk stalkt stalkte stalken"
        " stalker stalking stalks stalked gestalkt gaten weten verantwoording toestemming",
        rf"\b(?<!ik )(?:verbied|verbiedt|verbieden) (?:het )?(?:{_ME}|ons)\b"
        rf"|\bverbood (?:het )?{_ME}\b"
        rf"|\bisoleert {_ME}\b|\bafgesloten van (?:{_MY} )?(?:vrienden|familie)"
        rf"|\bvolgt {_ME} (?:\w+ )?overal\b|\bvolgt (?:\w+ )?{_MY} locatie\b"
        r"|\b(?:stalk|stalkt|stalkte|stalken|stalker|stalking|stalks|stalked|gestalkt)\b"
        rf"|\bhoudt {_ME} (?:\w+ ){{0,2}}in de gaten\b"
        r"|\b(?:moet|wil|wilt) (?:\w+ ){0,2}(?:laten )?weten waar ik (?:ben|zit|uithang)\b"
        r"|\bverantwoording (?:\w+ )?afleggen\b|\bmoet (?:\w+ ){0,2}toestemming vragen\b",
    ),
    Cue(
        "kleineert me, scheldt me uit, hij is controlerend",
        "control",
        "kleineert kleineerde vernedert vernederde vernederd gekleineerd scheldt schold"
        " uitgescholden uitschelden noemt waard voorstel nergens niemand belachelijk uit"
        " controlerend controlerende bezitterig bezitterige overheersend controlling possessive",
        r"\b(?:kleineert|kleineerde|vernedert|vernederde|vernederd|gekleineerd|scheldt|schold"
        r"|uitgescholden|uitschelden)\b"
        rf"|\bnoemt {_ME} (?:\w+ )?(?:dom|stom|waardeloos|lelijk|dik|hoer|slet|trut|kut\w*|loser"
        r"|mislukt|gek|psycho|niks|niets|zielig|debiel)\b"
        r"|\bzegt (?:\w+ )?dat ik (?:\w+ )?(?:niks|niets|nergens) (?:\w+ )?(?:waard|voorstel)\b"
        r"|\bzegt (?:\w+ )?dat ik (?:\w+ )?nergens (?:\w+ )?goed voor\b"
        rf"|\bzegt (?:\w+ )?dat niemand anders {_ME} (?:wil|zou willen)\b"
        rf"|\bmaakt {_ME} (?:\w+ )?(?:belachelijk|uit voor)\b"
        rf"|\b{_SOMEONE}(?: \w+)? (?:is|wordt|was|kan|doet)(?: \w+){{0,2}} (?:controlerend"
        r"|controlerende|bezitterig|bezitterige|overheersend|controlling|possessive)\b",
    ),
    Cue(
        "checks my phone, won't let me see friends",
        "control",
        "phone messages texts emails email location whatsapp dms money card keys passport"
        f" finances {_CONTROL_EN_WORDS} let allow allowed lock locks locked locking isolate"
        " isolates isolated isolating calls puts humiliate humiliates humiliated humiliating"
        " belittle belittles belittled belittling",
        r"\b(?:checks|goes through|reads|looks through|takes|tracks|monitors|controls|smashed)"
        r" (?:my|mi) (?:phone|messages|texts|emails|email|location|whatsapp|dms|money|bank card"
        r"|card|keys|passport|finances)\b"
        rf"|\b(?:{_EN_HE}|{_EN_MY_PARTNER})(?: \w+){{0,2}} (?:(?:control|controls|controlled)"
        r" (?:my|me|everything|what i|where i|who i|how i)|(?:is|was|gets|can be|being)"
        r" (?:\w+ )?(?:controlling|possessive)|went through my|took my|takes my|forbid|forbids"
        r"|forbidding|forbade)\b"
        r"|\b(?:wont|will not|doesnt|does not|dont|never) (?:let|allow) me (?:to )?(?:see|go|leave"
        r"|work|have|talk|call|meet|use|out|wear|visit|spend)\b"
        r"|\bnot allowed to (?:see|go out|leave|work|have|talk|call|meet|visit)\b"
        r"|\b(?:lock|locks|locked|locking) me (?:in|up|out)\b"
        r"|\b(?:isolate|isolates|isolated|isolating) me\b|\bforbids? me\b|\bforbade me\b"
        r"|\bcalls me (?:stupid|worthless|ugly|fat|crazy|names|a whore|a slut|useless|pathetic"
        r"|a bitch|an idiot)\b|\bputs me down\b"
        r"|\b(?:humiliate|humiliates|humiliated|humiliating) me\b"
        r"|\b(?:belittle|belittles|belittled|belittling)\b",
    ),
)


def categories() -> tuple[Category, ...]:
    """Every category `danger` can report, most urgent first."""
    return CATEGORIES


# How many words on either side of an anchor are read; every pattern spans fewer.
_REACH = 12

# Keeps letters and digits, reads "@" as "a" and "$" as "s"; the rest is a space.
_ASCII = bytes(
    c if chr(c).isascii() and chr(c).isalnum() else {64: 97, 36: 115}.get(c, 32) for c in range(256)
)
# Dashes, a bullet and the zero-width space part words; the encoder would glue words around them.
_PARTING = "\u2010\u2011\u2012\u2013\u2014\u2015\u2022\u200b"
_DIGITS = re.compile(r"[013457]+")
_LEET_LETTERS = str.maketrans("013457", "oieast")
_REPEATS = re.compile(r"(?<=([a-z]))\1+")
_PATTERN_REPEATS = re.compile(r"(?<!\\)([a-z])\1+")


def _squeeze(pattern: str) -> str:
    """The pattern with doubled letters written once, as they are in the normalised text."""
    return _PATTERN_REPEATS.sub(r"\1", pattern)


class _Anchors(NamedTuple):
    words: frozenset[str]
    stems: frozenset[str]


class _Compiled(NamedTuple):
    category: Category
    anchors: _Anchors
    regex: re.Pattern[str] | None


def _alternatives(pattern: str) -> list[str]:
    """The pattern's top-level alternatives."""
    alternatives, depth, start, i = [], 0, 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 1
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            alternatives.append(pattern[start:i])
            start = i + 1
        i += 1
    return [*alternatives, pattern[start:]]


def _regex(pattern: str) -> re.Pattern[str]:
    """The pattern compiled; a word boundary that opens every alternative is tested once."""
    pattern = _squeeze(pattern)
    alternatives = _alternatives(pattern)
    if len(alternatives) > 1 and all(a.startswith("\\b") for a in alternatives):
        pattern = "\\b(?:" + "|".join(a[2:] for a in alternatives) + ")"
    return re.compile(pattern)


def _compiled(cue: Cue) -> _Compiled:
    entries = [_squeeze(entry) for entry in cue.anchors.split()]
    anchors = _Anchors(
        words=frozenset(e for e in entries if not e.endswith("*")),
        stems=frozenset(e.rstrip("*") for e in entries if e.endswith("*")),
    )
    regex = _regex(cue.pattern) if cue.pattern is not None else None
    return _Compiled(cue.category, anchors, regex)


# Most urgent first, so the first cue found decides the category.
_CUES: Final = tuple(
    _compiled(cue) for cue in sorted(SIGNALS, key=lambda cue: CATEGORIES.index(cue.category))
)
# All lookalikes in one expression: setting them aside is then a single pass.
_LOOKALIKE: Final = _regex("|".join(lookalike.pattern for lookalike in LOOKALIKES))
_ANCHOR_WORDS: Final = frozenset().union(*(cue.anchors.words for cue in _CUES))
_ANCHOR_STEMS: Final = frozenset().union(*(cue.anchors.stems for cue in _CUES))


def danger(text: str, *, thorough: bool = False) -> Signal | None:
    """The most urgent kind of danger `text` signals, or None when it signals none.

    With `thorough`, every signal is read against the whole text, not only around its anchors;
    the answer is the same, only slower.
    """
    words = _words(text)
    unique = list(set(words))
    plain = dict(zip(unique, _plain(unique), strict=True))
    vocabulary = " ".join(plain.values())
    stems = {stem for stem in _ANCHOR_STEMS if stem in vocabulary}
    anchored = _ANCHOR_WORDS.intersection(plain.values()) | _holding(stems, vocabulary)
    cues = [
        cue
        for cue in _CUES
        if not stems.isdisjoint(cue.anchors.stems)
        or not cue.anchors.words.isdisjoint(anchored)
        or (thorough and cue.regex is not None)
    ]
    if not cues:
        return None
    sequence = list(map(plain.__getitem__, words))
    where: dict[str, list[int]] = {}
    for i in [i for i, word in enumerate(sequence) if word in anchored]:
        where.setdefault(sequence[i], []).append(i)
    for cue in cues:
        if cue.regex is None:
            found = True
        elif thorough:
            found = _found_in(" ".join(sequence), cue.regex)
        else:
            found = any(
                _found_in(" ".join(sequence[lo:hi]), cue.regex)
                for lo, hi in _stretches(cue.anchors, where)
            )
        if found:
            return Signal(cue.category)
    return None


def _words(text: str) -> list[str]:
    """The text's words: lower case, without accents, apostrophes or punctuation."""
    text = text.casefold()
    if text.isascii():
        encoded = text.encode("ascii")
    else:
        text = unicodedata.normalize("NFKD", text.replace("?", " "))
        for parting in _PARTING:
            text = text.replace(parting, " ")
        encoded = _within_ascii(text.encode("ascii", "replace"))
    return encoded.translate(_ASCII, b"'`").decode("ascii").split()


def _within_ascii(encoded: bytes) -> bytes:
    """Each run of characters outside ASCII (a "?" from the encoder) vanishes inside a word (an
    accent, an apostrophe, a joiner) and parts words elsewhere (a dash, an emoji)."""
    first, *rest = encoded.split(b"?")
    pieces = [first]
    for piece in rest:
        if piece:
            inside = pieces[-1][-1:].isalpha() and piece[:1].isalpha()
            pieces += [b"" if inside else b" ", piece]
    return b"".join(pieces)


def _plain(unique: list[str]) -> list[str]:
    """Each word with look-alike digits read as letters and every run of one letter written once."""
    text = " ".join(unique)
    if not text.replace(" ", "").isalpha():
        text = _DIGITS.sub(_leet, text)
    return _REPEATS.sub("", text).split()


def _leet(match: re.Match[str]) -> str:
    """Digits that stand against a letter are read as the letters they look like."""
    text, start, end = match.string, match.start(), match.end()
    if (start and text[start - 1].isalpha()) or (end < len(text) and text[end].isalpha()):
        return match.group().translate(_LEET_LETTERS)
    return match.group()


def _holding(stems: set[str], vocabulary: str) -> set[str]:
    """The words of `vocabulary` (words parted by single spaces) that hold one of `stems`."""
    holding: set[str] = set()
    for stem in stems:
        at = vocabulary.find(stem)
        while at >= 0:
            start = vocabulary.rfind(" ", 0, at) + 1
            end = vocabulary.find(" ", at)
            end = len(vocabulary) if end < 0 else end
            holding.add(vocabulary[start:end])
            at = vocabulary.find(stem, end)
    return holding


def _found_in(text: str, regex: re.Pattern[str]) -> bool:
    """Whether `regex` matches `text` once the lookalike phrases are set aside."""
    # Setting the lookalikes aside costs more than a search, and a cue seldom matches at all.
    if not regex.search(text):
        return False
    return regex.search(_LOOKALIKE.sub(" . ", text)) is not None


def _stretches(anchors: _Anchors, where: dict[str, list[int]]) -> list[tuple[int, int]]:
    """The stretches of words around the anchors, as slices; overlapping stretches merged."""
    own = where.keys() & anchors.words
    if anchors.stems:
        own.update(word for word in where for stem in anchors.stems if stem in word)
    stretches: list[tuple[int, int]] = []
    for i in sorted(i for word in own for i in where[word]):
        lo, hi = max(0, i - _REACH), i + _REACH + 1
        if stretches and lo <= stretches[-1][1]:
            stretches[-1] = (stretches[-1][0], hi)
        else:
            stretches.append((lo, hi))
    return stretches
