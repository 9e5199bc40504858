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
}


def days(numbers: str, many: bool) -> str:
    """'dag 3' or 'dagen 3-5, 8'."""
    return f"dagen {numbers}" if many else f"dag {numbers}"
