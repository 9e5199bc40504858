"""The safety net's words: what the bot says when a message signals danger, and what /hulp shows.

Part of the bot's catalogue, kept in one place so the help numbers and the tone can be checked
as a whole. Everything is plain text (no markup), read on a phone, and short enough for any
channel: no message is over 700 characters and a button label is at most 20 (WhatsApp's limit
for reply buttons). Dutch first, with one line of English for who does not read Dutch.

The numbers are the Dutch and Belgian lines for exactly these situations: Veilig Thuis (domestic
violence and abuse), 113 Zelfmoordpreventie, 112 for immediate danger, and in Belgium 1712
(violence, abuse) and the Zelfmoordlijn 1813.
"""

from __future__ import annotations

HELP_NUMBERS = (
    "Veilig Thuis: 0800-2000 (gratis, dag en nacht)\n"
    "113 Zelfmoordpreventie: 113, of gratis 0800-0113 (chatten kan via 113.nl)\n"
    "Direct gevaar: bel 112\n"
    "Je huisarts, of 's avonds en in het weekend de huisartsenpost\n"
    "In België: 1712 (geweld en misbruik) en de Zelfmoordlijn 1813"
)

HULP = (
    "Twijfel hoort bij liefde, maar niet elke twijfel is bindingsangst.\n\n"
    "Ben je bang voor je partner? Bepaalt je partner met wie je omgaat, wat je uitgeeft of waar "
    "je bent? Word je vernederd, bedreigd of pijn gedaan? Dan ligt het niet aan jou. Weggaan "
    "kan dan een heldere en goede keuze zijn, en je hoeft het niet alleen uit te zoeken:\n\n"
    f"{HELP_NUMBERS}\n\n"
    "Not in the Netherlands or Belgium? In danger, call your local emergency number."
)

DANGER_REPLY = (
    "Dank je dat je dit opschrijft. Wat je vertelt klinkt zwaar, en je hoeft het niet alleen "
    "te dragen. Praat er vandaag nog over met iemand die kan helpen:\n\n"
    f"{HELP_NUMBERS}\n\n"
    "Je antwoord is gewoon bewaard, alleen voor jou. Er leest geen mens mee, dus neem zelf "
    "contact op: met een van deze nummers, of met iemand die je vertrouwt.\n\n"
    "You are not alone. In danger right now? Call 112."
)

GROUNDING_BUTTON = "Even tot rust komen"
TRUSTED_BUTTON = "Praat met iemand"

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
