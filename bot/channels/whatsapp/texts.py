"""The bot's own words that only WhatsApp needs (Dutch, like the catalogue in bot/core/texts.py)."""

from __future__ import annotations

#: Said once, right after sign-up: why a lesson sometimes waits for the participant.
WINDOW_NOTE = (
    "Goed om te weten: WhatsApp laat me alleen vrij berichten sturen binnen 24 uur na jouw "
    "laatste bericht; zwijg je langer, dan vraag ik eerst of je verder wilt en komt je les zodra "
    "je antwoordt."
)
#: The button that opens a list of choices (at most 20 characters).
LIST_BUTTON = "Maak je keuze"
#: The text above a list that continues the choices of the message before it.
MORE_CHOICES = "Meer keuzes:"
#: The text above choices whose message had no words of its own.
CHOOSE = "Kies hieronder."
#: Stands in for the participant's first name in a template when WhatsApp gave none.
NAME_FALLBACK = "daar"
