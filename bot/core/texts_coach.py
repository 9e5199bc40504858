"""What the bot says around a question to a coach: to the participant, and to the coaches.

Part of the bot's catalogue (see texts.py). A participant reads plain, warm Dutch ("je"); a
coach reads what they need to answer: the first name, the short thread id, the course and day,
the question.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_datetime

# -- the participant ----------------------------------------------------------------------------
COACH_INTRO = (
    "Je vraag gaat naar de coaches van je cursus: echte mensen. Alleen wat je hierna stuurt, "
    "lezen zij; je antwoorden in de cursus nooit.\n"
    "Meestal heb je binnen een werkdag antwoord, hier in deze chat.{later}\n\n"
    "Typ je vraag maar. Toch niet? Tik op de knop of typ /coach stop."
)
#: The button under the intro and the confirmation that ends the conversation (/coach stop).
STOP_BUTTON = "Gesprek stoppen"
#: Outside the coaches' hours, after the intro's and the confirmation's time line.
COACH_LATER = " Nu zijn ze er niet: reken op antwoord vanaf {when}."
COACH_SENT = "Je vraag is naar je coach gestuurd. Het antwoord komt hier.{later}"
COACH_ADDED = "Doorgestuurd naar je coach."
COACH_STOPPED = "Je gesprek met de coach is gesloten. Een nieuwe vraag? Typ /coach."
COACH_NOTHING_OPEN = "Je hebt geen open gesprek met een coach. Een vraag stellen? Typ /coach."
COACH_NONE = (
    "Een coach is hier nu niet beschikbaar. Gaat het niet goed met je? Typ /hulp: daar staan de "
    "nummers van wie je meteen helpt."
)
#: The first line of a coach's answer in the participant's chat; a reply to it goes back.
COACH_ANSWER_MARK = "💬 Je coach:"
COACH_ANSWER = COACH_ANSWER_MARK + "\n\n{text}\n\nTerugschrijven? Reageer op dit bericht."
#: The same on WhatsApp, where what they write next goes to the coach while no lesson asks.
COACH_ANSWER_ANY = (
    COACH_ANSWER_MARK + "\n\n{text}\n\nTerugschrijven? Stuur gewoon een bericht. Wacht er nog "
    "een vraag uit je les op je antwoord, typ dan eerst /coach."
)
COACH_CLOSED_BY_COACH = "Je coach heeft het gesprek gesloten. Nog een vraag? Typ /coach."
COACH_CLOSED_IDLE = (
    "Je gesprek met de coach is gesloten: er kwam een week geen bericht. Nog een vraag? Typ /coach."
)
#: Under an answer of /antwoorden (a message of one day, or of several).
SHARE_BUTTON = "Deel dit met je coach"
SHARE_DAY = "Deel dag {day} met je coach"
SHARE_ASK = (
    "Wil je je antwoord op dag {day} delen met je coach? Alleen dit antwoord gaat naar de "
    "coaches van je cursus, verder niets."
)
SHARE_YES = "Ja, deel het"
SHARE_NO = "Nee"
SHARE_NOT = "Goed, ik deel het niet. Niemand leest je antwoorden."
SHARE_DONE = "Je antwoord op dag {day} is naar je coach gestuurd. Het antwoord komt hier."
SHARE_GONE = "Dat antwoord vind ik niet meer. Met /antwoorden zie je wat er nog is."
#: What the coaches read of a shared answer (the participant chose to share it).
SHARED = "Mijn antwoord op dag {day} ({title}):\n\n{text}"
#: In a help reply to a message meant for a coach, instead of "nobody reads along here".
COACH_READS_LATER = (
    "Je coach leest je bericht, maar niet meteen. Neem dus nu zelf contact op: met dit nummer, "
    "of met iemand die je vertrouwt."
)

# -- the coaches --------------------------------------------------------------------------------
URGENT = "⚠️ DRINGEND ({category}): de deelnemer kreeg meteen de hulpnummers.\n"
HOW_TO_ANSWER = "\n\nAntwoorden: reageer op dit bericht."
QUESTION = "{urgent}Vraag #{tid} van {name}{where}:\n\n{text}" + HOW_TO_ANSWER
FOLLOW_UP = "{urgent}Vervolg op #{tid} van {name}:\n\n{text}" + HOW_TO_ANSWER
WHERE = ", {course} dag {day}"
TAKE_BUTTON = "Ik pak hem op"
CLOSE_BUTTON = "Sluiten"
TAKEN_BY_OTHER = "#{tid} van {name} is opgepakt door {coach}."
CLOSED_FOR_ALL = "#{tid} van {name} is gesloten."
TAKEN = "#{tid} is van jou. Typ je antwoord; het gaat naar {name}."
ALREADY_TAKEN = "#{tid} is al opgepakt door {coach}."
ANSWER_SENT = "Verstuurd naar {name} (#{tid})."
CLOSED = "#{tid} is gesloten; {name} krijgt daar bericht van."
GONE = "Dat gesprek is gesloten of bestaat niet meer."
#: What the coaches' copies of a thread say once the participant had everything erased.
ERASED = "(gewist)"
PARTICIPANT_CLOSED = "#{tid}: {name} heeft het gesprek gesloten."
IDLE_CLOSED = "#{tid} van {name} is gesloten: een week geen bericht."
INBOX_EMPTY = "Geen open vragen."
INBOX_HEAD = "Open vragen ({count}):"
INBOX_LINE = "{mark}#{tid} {name}{where}: {state}"
INBOX_WAITING = "wacht {waited}"
INBOX_ANSWERED = "beantwoord{owner}"
SOMEONE = "iemand"
A_COACH = "een andere coach"
UNNAMED = "een deelnemer"

#: What the safety net found, as a coach reads it.
CATEGORY = {
    "suicide_plan": "plan voor zelfdoding",
    "suicide": "gedachten aan zelfdoding",
    "selfharm": "zelfbeschadiging",
    "children": "kind in gevaar",
    "sexual": "seksueel geweld",
    "violence": "geweld",
    "threat": "bedreiging",
    "stalking": "stalking",
    "fear": "angst voor de partner",
    "control": "controle door de partner",
}


def later(opens: datetime | None) -> str:
    """The line about when an answer may come, outside the coaches' hours ("" inside them)."""
    if opens is None:
        return ""
    return COACH_LATER.format(when=format_datetime(opens, "EEEE HH:mm", locale="nl"))


def waited(span: timedelta) -> str:
    """How long a question has waited, in the biggest unit that fits ("3 uur", "2 dagen")."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} uur"
    return f"{minutes // (24 * 60)} dagen"
