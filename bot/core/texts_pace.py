"""What druppel says about the pace of a course: the choice after quiet days, /tempo, and the
line in /voortgang. Part of the catalogue of the bot's own words."""

from __future__ import annotations

from storage.models import Pace

#: Before the lesson that follows two lesson days without an answer or a check-in.
PACE_OFFER = (
    "Het was een paar dagen stil aan jouw kant, en dat is helemaal goed. Misschien past een "
    "ander tempo beter bij je. Kies hieronder hoe vaak je een les wilt; met /tempo kan het "
    "later altijd anders."
)
#: The buttons (a WhatsApp reply button holds 20 characters).
PACE_BUTTONS = {
    Pace.DAILY: "Elke dag",
    Pace.OTHER_DAY: "Om de dag",
    Pace.OWN: "In mijn eigen tempo",
}
#: The pace in a sentence: "Je tempo: {pace}."
PACE_NAMES = {
    Pace.DAILY: "elke dag een les",
    Pace.OTHER_DAY: "om de dag een les",
    Pace.OWN: "je eigen tempo: de volgende les komt als je de vorige hebt beantwoord",
}
PACE_NOW = "Je tempo: {pace}."
PACE_ASK = "Je tempo: {pace}. Hoe vaak wil je een les krijgen?"
PACE_SET = "Goed, vanaf nu {pace}."
PACE_NEXT = "Je volgende les komt {when}."
PACE_WAITING = "Je volgende les komt zodra je de vraag van dag {day} hebt beantwoord."
PACE_UNKNOWN = "Dat tempo ken ik niet. Kies een van de knoppen hieronder."
PACE_NO_COURSE = "Je volgt nu geen cursus die nog lessen stuurt, dus er is geen tempo te kiezen."
