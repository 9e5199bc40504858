"""What druppel says to trainers and operators about broadcasts and roles: part of the catalogue.

Trainers see who a message goes to before it goes, and its progress while it goes; the role
commands say who is trainer and since when. Plain text, read on a phone.
"""

from __future__ import annotations

STAFF_MENU_TRAINER = [
    ("broadcast", "Een bericht aan deelnemers sturen"),
    ("broadcasts", "Recente berichten en hoe ze gingen"),
    ("preview", "Een cursus lezen zoals deelnemers hem krijgen"),
    ("inbox", "Open vragen van deelnemers"),
    ("rapport", "Een cursus per dag, als CSV"),
]
STAFF_MENU_OPERATOR = [
    ("trainer", "Trainer toevoegen of verwijderen"),
    ("trainers", "Wie trainer is"),
    ("stats", "Deelnemers, lessen en reflecties, met grafiek"),
    ("health", "Hoe het systeem ervoor staat"),
    ("errors", "De laatste mislukte berichten"),
    ("user", "Eén deelnemer bekijken (intern id)"),
]
SEGMENT_ALL = "iedereen (lopende en afgeronde cursussen)"
SEGMENT_ACTIVE = "iedereen met een lopende cursus"
SEGMENT_PAUSED = "iedereen die op pauze staat"
SEGMENT_FINISHED = "iedereen die een cursus heeft afgerond"
SEGMENT_COURSE = "“{title}” (lopend en afgerond)"
SEGMENT_DAY = "dag {day} van “{title}”"
BROADCAST_CHOOSE = "Aan wie stuur je een bericht?"
BROADCAST_CHOOSE_DAY = (
    "Welke dag van “{title}”? Het bericht gaat naar wie die dag als laatste kreeg."
)
BROADCAST_BUTTON_ALL = "Iedereen"
BROADCAST_BUTTON_ACTIVE = "Lopend"
BROADCAST_BUTTON_PAUSED = "Op pauze"
BROADCAST_BUTTON_FINISHED = "Afgerond"
BROADCAST_BUTTON_DAY = "{title}: één dag"
BROADCAST_ASK_TEXT = (
    "Typ nu je bericht aan {segment} (hoogstens {limit} tekens). Je ziet het eerst zoals "
    "deelnemers het krijgen; er gaat niets weg voor je bevestigt."
)
BROADCAST_TOO_LONG = (
    "Dat bericht is {length} tekens; houd het op {limit} of minder en typ het opnieuw."
)
BROADCAST_PREVIEW = (
    "Zo ziet je bericht eruit. Het gaat naar {count} deelnemers: {segment}. Versturen?"
)
BROADCAST_NOBODY = "Er is nu niemand in die groep ({segment}). Er is niets verstuurd."
BROADCAST_SEND = "Versturen"
BROADCAST_CANCEL = "Annuleren"
BROADCAST_CANCELLED_DRAFT = "Geannuleerd. Er is niets verstuurd."
BROADCAST_STALE = "Dit bericht is al verstuurd of geannuleerd. Met /broadcast begin je een nieuw."
BROADCAST_STOP = "Stoppen"
BROADCAST_STOPPING = "Ik stop met versturen. Wie het al kreeg, houdt het."
BROADCAST_HEADING = "Bericht van je trainer"
BROADCAST_RUNNING = "Bezig met versturen"
BROADCAST_DONE = "Verstuurd"
BROADCAST_CANCELLED = "Gestopt"
BROADCAST_PROGRESS = (
    "{state}: bericht aan {segment}.\n"
    "{sent} verstuurd · {failed} mislukt · {blocked} geblokkeerd · {to_go} te gaan (van {total})"
)
BROADCASTS_NONE = "Er zijn nog geen berichten verstuurd."
BROADCASTS_LINE = (
    "{when}: {state}, aan {segment}: {sent} verstuurd, {failed} mislukt, {blocked} geblokkeerd"
)
TRAINER_USAGE = "Gebruik: /trainer add ID of /trainer remove ID (het Telegram-id van de trainer)."
TRAINER_ADDED = "{user} is nu trainer."
TRAINER_ALREADY = "{user} was al trainer."
TRAINER_REMOVED = "{user} is geen trainer meer."
TRAINER_NOT = "{user} was geen trainer."
TRAINER_FROM_SETTINGS = (
    "{user} staat als trainer in de instellingen (TRAINER_IDS); dat verander je daar."
)
TRAINERS_NONE = "Er zijn geen trainers."
TRAINERS_LINE = "{user}: {source}"
TRAINERS_SOURCE_SETTINGS = "uit de instellingen"
TRAINERS_SOURCE_GRANT = "toegevoegd door {by} op {when}"
BROADCAST_LATER = "Op ieders eigen tijd…"
BROADCAST_ASK_TIME = (
    "Om hoe laat? Typ een tijd, bijvoorbeeld 19:00. Iedereen krijgt het bericht om die tijd in "
    "zijn eigen tijdzone, vandaag of, als die tijd daar al voorbij is, morgen."
)
BROADCAST_BAD_TIME = (
    "Die tijd begrijp ik niet. Typ een tijd tussen 0:00 en 23:59, bijvoorbeeld 19:00."
)
BROADCAST_AT_CONFIRM = "Het bericht gaat om {time}, in ieders eigen tijdzone. Versturen?"
