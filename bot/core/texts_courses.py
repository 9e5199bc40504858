"""What druppel says to trainers about course files they send and the versions they publish:
part of the catalogue.

A trainer sends a course file as a document; they read whether it is in order, what changed
against the newest version, the first changed day as participants will read it, and then
decide. Plain text, read on a phone.
"""

from __future__ import annotations

#: The largest course file taken from the chat (bytes); the shipped ones are about 30 kB.
MAX_COURSE_FILE = 512 * 1024

COURSE_FILE_NOT_HERE = (
    "Een cursusbestand kan ik hier niet ontvangen. Stuur het in Telegram, of publiceer het "
    "met druppel courses publish."
)
COURSE_FILE_NOT_YAML = (
    "Ik lees alleen cursusbestanden: YAML, met een naam die eindigt op .yaml. Dit bestand "
    "({name}) is er geen."
)
COURSE_FILE_TOO_BIG = (
    "Dit bestand is {size} kB; een cursusbestand is hoogstens {limit} kB. Is het wel het "
    "YAML-bestand van de cursus?"
)
COURSE_FILE_UNREADABLE = "Ik kon het bestand niet ophalen. Stuur het nog een keer?"
COURSE_FILE_PROBLEMS = (
    "Dit bestand is nog niet in orde. Wat er mis is, per regel:\n{problems}\n\n"
    "Pas het aan en stuur het opnieuw; er is niets gepubliceerd."
)
COURSE_PROBLEM_LINE = "• regel {line}: {problem}"
COURSE_PROBLEM = "• {problem}"
#: Where a problem is, as `druppel courses validate` says it in English ("day 3, field lesson
#: (message 1)"); the fields keep the names the file has.
WHERE_WORDS = {"day": "dag", "field": "veld", "message": "bericht"}
#: Where a quote is that quotes a day it cannot.
QUOTE_IN_PROMPT = "dag {day}, reflectievraag"
QUOTE_IN_LESSON = "dag {day}, lesbericht {message}"
#: Each kind of problem a course file can have, in Dutch, with its numbers filled in (pydantic's
#: own kinds first, then the course's: courses/models.py, courses/quotes.py, courses/problems.py).
PROBLEMS = {
    "missing": "ontbreekt",
    "extra_forbidden": "is geen veld dat ik ken",
    "string_type": "moet tekst zijn",
    "string_too_short": "is leeg",
    "string_pattern_mismatch": "heeft niet de goede vorm (zo moet het: {pattern})",
    "int_type": "moet een heel getal zijn",
    "int_parsing": "moet een heel getal zijn",
    "int_from_float": "moet een heel getal zijn",
    "greater_than_equal": "moet {ge} of meer zijn",
    "less_than_equal": "moet {le} of minder zijn",
    "greater_than": "moet meer dan {gt} zijn",
    "less_than": "moet minder dan {lt} zijn",
    "too_short": "moet er minstens {min_length} hebben (nu {actual_length})",
    "too_long": "mag er hoogstens {max_length} hebben (nu {actual_length})",
    "list_type": "moet een lijst zijn: regels die met een streepje (-) beginnen",
    "dict_type": "moet velden hebben (naam: waarde), geen losse tekst",
    "model_type": "moet velden hebben (naam: waarde), geen losse tekst",
    "model_attributes_type": "moet velden hebben (naam: waarde), geen losse tekst",
    "enum": "moet een van deze zijn: {expected}",
    "literal_error": "moet een van deze zijn: {expected}",
    "bool_type": "moet true of false zijn",
    "bool_parsing": "moet true of false zijn",
    "too_many_chars": "is {length} tekens; houd het op {limit} of minder",
    "too_many_chars_list_row": (
        "is {length} tekens; houd het op {limit} of minder (het wordt een regel in een "
        "WhatsApp-lijst)"
    ),
    "question_marks": "heeft {marks} vraagtekens; stel precies één vraag",
    "time_is_number": '{value} is een getal; zet de tijd tussen aanhalingstekens, zoals "21:00"',
    "not_a_time": "{value} is geen tijd in de vorm UU:MM",
    "window_order": "het begin ({start}) moet vóór het eind ({end}) liggen, op dezelfde dag",
    "day_too_long": (
        "les, check-in en reflectievraag zijn samen {words} woorden; houd een dag op {limit} of "
        "minder"
    ),
    "scale_missing": "checkin_scale is nodig als een dag een checkin heeft",
    "answer_slot": "moet precies één keer {answer} bevatten, waar het geciteerde antwoord komt",
    "other_braces": "bevat {braces}; alleen {answer} wordt ingevuld",
    "fallback_with_answer": (
        "wordt gestuurd als er geen antwoord is, dus {answer} kan er niet in staan"
    ),
    "quote_too_long": (
        "text wordt met een citaat van {quote} tekens tot {longest} tekens; houd het op {limit} "
        "of minder"
    ),
    "fallback_too_long": "fallback is {length} tekens; houd het op {limit} of minder",
    "quote_day_missing": "{where}: citeert dag {quoted}, maar de cursus heeft {days} dagen",
    "quote_not_before": (
        "{where}: citeert dag {quoted}, en die komt niet vóór dag {day}; citeer een eerdere dag"
    ),
    "summary_quote_missing": (
        "summary_quote: citeert dag {quoted}, maar de cursus heeft {days} dagen"
    ),
    "yaml": "dit is geen geldige YAML ({problem})",
    "not_a_mapping": "moet beginnen met velden als id, title en days",
    "id_not_file": "is {id}, maar het bestand heet {stem}.yaml",
}
#: A kind of problem the list above does not know: what was said of it, in English (so is the
#: YAML reader's own detail in "yaml").
PROBLEM_OTHER = "klopt niet ({problem})"
COURSE_UNKNOWN = (
    "Een cursus “{course}” ken ik niet. Hier publiceer je nieuwe versies van {known}; een "
    "nieuwe cursus begint als bestand bij de ontwikkelaars."
)
COURSE_WRONG_VERSION = (
    "In het bestand staat version: {version}, maar de nieuwste versie van “{title}” is "
    "{newest}. Zet er version: {next} in en stuur het opnieuw."
)
COURSE_UNCHANGED = (
    "Dit bestand leest precies als versie {version} van “{title}”: er is niets veranderd."
)
COURSE_CHECKED = (
    "In orde: “{title}”, versie {version}, {days} dagen.\n\n"
    "Veranderd ten opzichte van versie {newest}:\n{changes}"
)
COURSE_PREVIEW_DAY = "Zo leest dag {day} in versie {version}:"
COURSE_PUBLISH_ASK = (
    "Publiceren? Wie zich daarna aanmeldt, krijgt versie {version}. Wie nu meedoet, houdt de "
    "versie waarmee hij begon."
)
COURSE_PUBLISH = "Publiceren"
COURSE_PUBLISH_CANCEL = "Annuleren"
COURSE_PUBLISHED = (
    "Versie {version} van “{title}” is gepubliceerd. Nieuwe deelnemers krijgen deze versie; "
    "wie al meedoet, blijft op de eigen versie tot een beheerder de lopende cursussen verhuist."
)
COURSE_PUBLISH_STALE = (
    "Dit bestand is al gepubliceerd of geannuleerd. Stuur het opnieuw om opnieuw te beginnen."
)
COURSE_PUBLISH_OVERTAKEN = (
    "Intussen is versie {newest} van “{title}” gepubliceerd, dus ik heb niets gepubliceerd. "
    "Vergelijk je bestand met die versie en stuur het opnieuw als versie {next}."
)
COURSE_PUBLISH_CANCELLED = "Geannuleerd. Er is niets gepubliceerd."

#: The change in words, a line each.
DAYS_ADDED = "• {days} toegevoegd"
DAYS_REMOVED = "• {days} weggehaald"
DAY_CHANGED = "• dag {day}: {parts}"
COURSE_FIELDS_CHANGED = "• de cursus zelf: {fields}"
NOTHING_CHANGED = "• niets"
PART_NAMES = {
    "title": "titel",
    "lesson": "les (deel {index})",
    "checkin": "check-in",
    "prompt": "reflectievraag",
    "nudge": "herinnering",
}
FIELD_NAMES = {
    "title": "titel",
    "label": "naam op de knop",
    "audience": "voor wie",
    "language": "taal",
    "description": "beschrijving",
    "pacing": "tempo",
    "nudge_after_hours": "wanneer de herinnering komt",
    "nudge_window": "uren voor herinneringen",
    "checkin_scale": "check-in-schaal",
    "followup": "bericht na afloop",
    "summary_nothing_strong": "zin in het overzicht",
    "summary_quote": "citaat in het overzicht",
}


def days(numbers: str, many: bool) -> str:
    """'dag 3' or 'dagen 3-5, 8'."""
    return f"dagen {numbers}" if many else f"dag {numbers}"
