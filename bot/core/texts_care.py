"""The safety net's words: what the bot says when a message signals danger, and what /hulp shows.

Part of the bot's catalogue, kept in one place so the help numbers and the tone can be checked
as a whole. Everything is plain text (no markup), read on a phone, and short enough for any
channel: no message is over 700 characters and a button label is at most 20 (WhatsApp's limit
for reply buttons).

The numbers, checked against the services' own pages:
- 112: immediate danger, in the Netherlands and in Belgium;
- 113 Zelfmoordpreventie: 113 or 0800-0113, both free, day and night, chat on 113.nl;
- Veilig Thuis: 0800-2000, free, day and night (violence at home, control, children);
- Centrum Seksueel Geweld: 0800-0188, free, day and night;
- Belgium: 1712 (violence, abuse, child abuse) on weekdays 09:00-17:00, not an emergency number:
  outside those hours the police on 101, or 112; the Zelfmoordlijn 1813, free, day and night.

An acute message puts the action on its first line; a concern names the one service that fits
the category and asks whether the participant is safe now. A participant whose time zone is
Europe/Brussels gets the Belgian services.
"""

from __future__ import annotations

from typing import Literal

Country = Literal["nl", "be"]

HELP_NUMBERS = (
    "Direct gevaar: bel 112\n"
    "Denk je aan zelfdoding: bel of chat met 113, gratis 0800-0113 (dag en nacht, 113.nl)\n"
    "Geweld of dwang thuis: Veilig Thuis, 0800-2000 (gratis, dag en nacht)\n"
    "Seksueel geweld: Centrum Seksueel Geweld, 0800-0188 (gratis, dag en nacht)\n"
    "In België: 1712 bij geweld en misbruik (werkdagen 9-17 uur; daarbuiten politie 101 of "
    "112) en de Zelfmoordlijn 1813 (gratis, dag en nacht)"
)

HULP = (
    f"{HELP_NUMBERS}\n\n"
    "Ben je bang voor je partner, bepaalt je partner met wie je omgaat, wat je uitgeeft of waar "
    "je bent, of word je vernederd, bedreigd of pijn gedaan? Dan ligt het niet aan jou, en je "
    "hoeft het niet alleen uit te zoeken.\n\n"
    "Elders in Europa is het alarmnummer ook 112."
)

#: Under /hulp for someone whose app speaks another language than Dutch.
ENGLISH_BUTTON = "In English"
HULP_ENGLISH = (
    "In danger right now: call 112 (free, anywhere in Europe).\n"
    "Thinking about suicide, in the Netherlands: call or chat with 113, free on 0800-0113, day "
    "and night (113.nl); in Belgium: the Zelfmoordlijn, 1813.\n"
    "Violence or control at home, in the Netherlands: Veilig Thuis, 0800-2000 (free, day and "
    "night); in Belgium: 1712 (weekdays 9-17).\n"
    "Elsewhere: findahelpline.com lists free helplines in your country.\n\n"
    "Nobody reads along here, so please reach out yourself: to one of these numbers, or to "
    "someone you trust."
)

GROUNDING_BUTTON = "Even tot rust komen"
TRUSTED_BUTTON = "Praat met iemand"
PAUSE_BUTTON = "Cursus pauzeren"

GROUNDING = (
    "Even landen, hier en nu.\n\n"
    "Zet je voeten plat op de grond. Adem in door je neus en tel tot vier. Adem langzaam uit "
    "door je mond en tel tot zes. Doe dat drie keer.\n\n"
    "Kijk dan rustig om je heen en noem in gedachten:\n"
    "5 dingen die je ziet\n"
    "4 dingen die je kunt aanraken\n"
    "3 dingen die je hoort\n"
    "2 dingen die je ruikt\n"
    "1 ding dat je proeft\n\n"
    "Het gevoel hoeft niet weg. Je bent hier, nu. Wordt het te veel, bel dan 113 (gratis: "
    "0800-0113), en bij direct gevaar 112."
)

TRUSTED = (
    "Is er iemand die je vertrouwt? Een vriend of vriendin, iemand uit je familie, een collega, "
    "je huisarts. Je hoeft niet meteen alles uit te leggen. Eén zin is genoeg, bijvoorbeeld:\n\n"
    "“Het gaat niet goed met me. Kun je me vandaag even bellen?”\n\n"
    "Stuur hem nu, ook als dat spannend voelt.\n\n"
    "Kijkt je partner mee op je telefoon? Gebruik dan een telefoon of een plek waar dat niet "
    "kan, en wis berichten als dat veiliger is. Weet je niemand? Veilig Thuis (0800-2000) en 113 "
    "(0800-0113) luisteren ook, dag en nacht."
)

HELP_POINTER = (
    "Voel je je niet veilig, of gaat het echt niet goed? Met /hulp zie je waar je terechtkunt."
)

# -- acute: the action first ---------------------------------------------------------------------
ACT_112 = "Bel nu 112."
ACT_113 = "Bel of chat nu met 113 (0800-0113, gratis, dag en nacht)."
ACT_1813 = "Bel nu de Zelfmoordlijn: 1813 (gratis, dag en nacht), of chat via zelfmoord1813.be."
ACUTE_WARM = (
    "Wat je schrijft is ernstig. Je verdient nu meteen hulp, en je staat er niet alleen voor."
)
ACUTE_WARM_PLAN = "Je hoeft dit niet alleen te dragen; iemand daar luistert nu naar je."
#: Self-harm now (a deep or bleeding wound, or "no" to "Ben je nu veilig?"): a body in
#: danger first, so 112 leads; the line for the thoughts behind it comes after.
ACUTE_WARM_SELFHARM = "Je verdient nu meteen zorg, en je hoeft dit niet alleen te dragen."
#: After the call, the one service that fits, by category (Netherlands, Belgium).
ACUTE_AFTER: dict[str, tuple[str, str]] = {
    "suicide_plan": (
        "Bij direct gevaar: bel 112.",
        "Bij direct gevaar: bel 112.",
    ),
    "selfharm": (
        "Bloedt het hevig? Druk er een schone doek stevig op tot er hulp is. Praten kan daarna "
        "met 113: 0800-0113, gratis, dag en nacht.",
        "Bloedt het hevig? Druk er een schone doek stevig op tot er hulp is. Praten kan daarna "
        "met de Zelfmoordlijn: 1813, gratis, dag en nacht.",
    ),
    "sexual": (
        "Daarna helpt het Centrum Seksueel Geweld: 0800-0188, gratis, dag en nacht.",
        "Daarna helpt 1712 (werkdagen 9-17 uur); daarbuiten de politie op 101.",
    ),
    "other": (
        "Kun je niet praten? Zoek een veilige plek. Daarna helpt Veilig Thuis: 0800-2000, "
        "gratis, dag en nacht.",
        "Kun je niet praten? Zoek een veilige plek. Daarna helpt 1712 (werkdagen 9-17 uur); "
        "daarbuiten de politie op 101.",
    ),
}

# -- concern: the service that fits, and whether they are safe now --------------------------------
CONCERN_WARM = "Dank je dat je dit met me deelt. Wat je vertelt is zwaar, en het ligt niet aan jou."
#: For thoughts of suicide and self-harm: nobody is to blame, the weight is the point.
CONCERN_WARM_SELF = (
    "Dank je dat je dit met me deelt. Wat je voelt is zwaar, en je hoeft het niet alleen te dragen."
)
#: The one service for a category, by country.
SERVICE: dict[str, tuple[str, str]] = {
    "suicide": (
        "Praat erover met 113: bel of chat, gratis 0800-0113, dag en nacht (113.nl).",
        "Praat erover met de Zelfmoordlijn: bel 1813, gratis, dag en nacht (zelfmoord1813.be).",
    ),
    "sexual": (
        "Het Centrum Seksueel Geweld luistert en helpt: 0800-0188, gratis, dag en nacht.",
        "Bij 1712 luisteren ze en helpen ze verder (werkdagen 9-17 uur; daarbuiten politie 101).",
    ),
    "violence": (
        "Veilig Thuis luistert en denkt met je mee: 0800-2000, gratis, dag en nacht.",
        "Bij 1712 luisteren ze en denken ze met je mee (werkdagen 9-17 uur; daarbuiten politie "
        "101 of 112).",
    ),
}
SAFE_NOW = "Ben je nu veilig?"
SAFE_YES_BUTTON = "Ja"
SAFE_NO_BUTTON = "Nee"
SAFE_QUIET_BUTTON = "Zeg ik liever niet"
SAFE_YES = (
    "Fijn dat je nu veilig bent. Het nummer blijft hierboven staan, en met /hulp vind je alle "
    "nummers terug, wanneer je maar wilt."
)
SAFE_QUIET = (
    "Dat is goed, je hoeft niets uit te leggen. Wordt het onveilig, bel dan 112. Met /hulp vind "
    "je alle nummers terug."
)
WHAT_HELPS = "Wat kan je nu helpen?"
#: Under every help reply: nobody reads along, so the participant reaches out themselves.
NOBODY_READS = (
    "Er leest hier geen mens mee. Neem dus zelf contact op: met dit nummer, of met iemand die je "
    "vertrouwt."
)

#: Before the next day's lesson, after a message that signalled danger.
CARE_CHECK = (
    "Voor de les van vandaag: hoe gaat het nu met je? Met /hulp zie je altijd waar je "
    "terechtkunt, en met /pauze zet je de cursus even stil."
)
PAUSED_FOR_CARE = (
    "De cursus staat stil. Er komt niets tot je /verder typt. Zorg goed voor jezelf; met /hulp "
    "vind je de nummers."
)


def service(category: str, country: Country) -> str:
    """The one service that fits a concern of this category."""
    group = category if category in SERVICE else "violence"
    if category in ("selfharm", "suicide_plan"):
        group = "suicide"
    return SERVICE[group][country == "be"]


def acute(category: str, country: Country) -> str:
    """The acute reply: the action, one warm sentence, the one service that fits."""
    be = country == "be"
    if category in ("suicide_plan", "suicide"):
        first, warm = (ACT_1813 if be else ACT_113), ACUTE_WARM_PLAN
        category = "suicide_plan"
    elif category == "selfharm":
        first, warm = ACT_112, ACUTE_WARM_SELFHARM
    else:
        first, warm = ACT_112, ACUTE_WARM
    after = ACUTE_AFTER.get(category, ACUTE_AFTER["other"])[be]
    return f"{first}\n\n{warm}\n\n{after}"


def concern(category: str, country: Country) -> str:
    """The concern reply: warm, the service that fits, and the question whether they are safe."""
    warm = CONCERN_WARM_SELF if category in ("suicide", "selfharm") else CONCERN_WARM
    return f"{warm}\n\n{service(category, country)}\n\n{NOBODY_READS}\n\n{SAFE_NOW}"
