"""What druppel says to operators (/stats, /health, /errors, /user): part of the catalogue.

Operators see how the system is doing and counts of what participants did, never their words.
Plain text, read on a phone; every reply stays well under Telegram's 4096 characters, and the
chart's caption under the 1024 of a caption.
"""

from __future__ import annotations

STATUS = {
    "active": "bezig",
    "paused": "op pauze",
    "completed": "afgerond",
    "stopped": "gestopt",
}

# -- /stats ---------------------------------------------------------------------------------------
STATS_CAPTION = (
    "Per cursus: hoeveel deelnemers de les van elke dag kregen (staven), en welk deel van hen "
    "die dag een reflectie stuurde (lijn). De cijfers staan hieronder."
)
STATS_PARTICIPANTS = "Deelnemers: {total} in totaal"
STATS_STATUSES = "{active} bezig · {paused} op pauze · {completed} afgerond · {stopped} gestopt"
STATS_COURSE = "“{title}”: {statuses}"
STATS_DAY = "  dag {day}: {reached} kregen de les · {reflected} met reflectie ({rate})"
STATS_NO_DAYS = "  nog niemand kreeg een les"
STATS_WINDOW = (
    "{label}: lessen {lessons} · reflecties {reflections} · check-ins {checkins} · "
    "aanmeldingen {signups} · berichten verstuurd {sent}"
)
STATS_LAST_DAY = "Laatste 24 uur"
STATS_LAST_WEEK = "Laatste 7 dagen"
STATS_FAILURES = "Mislukt (24 uur / 7 dagen): {kinds}"
STATS_FAILURE_KIND = "{kind} {day}/{week}"
STATS_DANGER = (
    "Hulp geboden (24 uur / 7 dagen): {day}/{week}, waarvan acuut {acute_day}/{acute_week}"
)
STATS_DANGER_KINDS = "  per soort: {kinds}"
STATS_THREADS = (
    "Vragen aan coaches: {open} open, waarvan {urgent} dringend; {long} wachten langer dan een dag"
)
STATS_FIRST_ANSWER = (
    "  eerste antwoord na (laatste 30 dagen, {count} keer): mediaan {median}, p90 {p90}"
)
STATS_NO_ANSWER = "geen"
#: The safety net's categories as operators read them (counts only, never words).
DANGER_KIND = {
    "suicide_plan": "plan tot zelfdoding",
    "violence": "geweld",
    "threat": "bedreiging",
    "children": "kinderen in gevaar",
    "sexual": "seksueel geweld",
    "suicide": "gedachten aan zelfdoding",
    "selfharm": "zelfbeschadiging",
    "stalking": "stalking",
    "fear": "angst voor iemand",
    "control": "controle",
}
FAILURE_KIND = {
    "transient": "tijdelijk",
    "rate_limited": "te snel",
    "gone": "weg",
    "rejected": "geweigerd",
    "parked": "opzijgezet",
}
CHART_TITLE = "“{title}”"
CHART_REACHED = "Kregen de les"
CHART_RATE = "Met reflectie (%)"
CHART_DAY = "Dag"
CHART_PARTICIPANTS = "Deelnemers"
CHART_NO_COURSES = "Nog geen cursussen"

# -- /health --------------------------------------------------------------------------------------
HEALTH_OK = "Alles in orde."
HEALTH_PROBLEMS = "Niet alles is in orde:"
HEALTH_PROBLEM = "• {problem}"
HEALTH_REDIS = "Redis: antwoordt in {ms:.1f} ms"
HEALTH_DUE = (
    "Wachtrij: {due} in de planning · {leased} in behandeling · {parked} opzijgezet (24 uur)"
)
HEALTH_LAG = "Planner: {lag:.1f} s achter"
HEALTH_WORKERS = "Processen:"
HEALTH_WORKER = "  {role} {id}: {age} geleden (versie {version}){silent}"
HEALTH_WORKER_SILENT = " · stil"
HEALTH_VERSION = "Versie: {version}"
PROBLEM_REDIS_DOWN = "Redis antwoordt niet: {cause}"
PROBLEM_REDIS_SLOW = "Redis is traag: {ms:.0f} ms voor een PING"
PROBLEM_LAG = "De planner loopt {lag:.0f} s achter (grens {limit:.0f} s): draait er een worker?"
PROBLEM_SILENT = "{role} {id} is stil: laatste hartslag {age} geleden"
PROBLEM_NO_WORKERS = "Geen enkel proces geeft een hartslag."
PROBLEM_PARKED = "{parked} berichten opzijgezet in de laatste 24 uur (zie /errors)"

# -- /errors --------------------------------------------------------------------------------------
ERRORS_NONE = "Er zijn geen mislukte berichten."
ERRORS_HEADING = "Laatste mislukte berichten (nieuwste eerst):"
ERRORS_LINE = "{when} · {kind} · {what} · deelnemer {participant}: {cause}"
ERRORS_MORE = "… en {count} oudere."
ERRORS_NOBODY = "-"
MESSAGE_KIND = {
    "day": "les",
    "nudge": "herinnering",
    "end": "einde",
    "followup": "nabericht",
    "text": "antwoord",
}

# -- /user ----------------------------------------------------------------------------------------
USER_USAGE = (
    "Gebruik: /user ID, met het interne id van een deelnemer (zoals in de logs), hun "
    "Telegram-chat-id of hun WhatsApp-nummer."
)
USER_NOT_FOUND = (
    "Geen deelnemer gevonden met {pid} als intern id, Telegram-chat-id of WhatsApp-nummer."
)
USER_HEADING = "Deelnemer {pid}"
#: Which of the three the operator's words matched.
USER_MATCHED = {
    "id": "Gevonden op het interne id.",
    "telegram": "Gevonden op het Telegram-chat-id.",
    "whatsapp": "Gevonden op het WhatsApp-nummer.",
}
USER_SINCE = "Kanaal: {channel} · sinds {since}"
USER_TIME = "Tijdzone: {zone} · lestijd {at}"
USER_STEP = "Midden in een gesprek (stap: {step})"
USER_NO_COURSE = "Geen cursus."
USER_COURSE = "“{title}”: {status}, dag {day} van {length} ontvangen"
USER_NEXT = "  volgende les: {when} (hun tijd)"
USER_NO_NEXT = "  geen volgende les gepland"
USER_PAUSED = "  gepauzeerd: geen lessen tot /verder"
USER_ENDED = "  geëindigd op {when} ({reason})"
USER_FOLLOWUP = "  nabericht: {when} (hun tijd)"
USER_COUNTS = "Reflecties: {reflections} · check-ins: {checkins}"

PROBLEM_COACH_URGENT = "dringende vragen aan de coaches die al langer dan een uur wachten: {count}"
PROBLEM_FAILURE_BURST = "{count} mislukte berichten in het laatste uur (zie /errors)"
ALERT_HEADING = "Let op, er is iets mis met druppel:"
ALERT_RESOLVED = (
    "Opgelost: {count} eerder gemeld probleem is verholpen. Met /health zie je de stand."
)
DIGEST_HEADING = "Dagoverzicht van druppel (laatste 24 uur):"
DIGEST_NUMBERS = (
    "{lessons} lessen · {reflections} reflecties · {signups} aanmeldingen · "
    "{completions} afgerond · {failed} mislukt · {danger} keer hulp geboden "
    "(acuut {acute})"
)
DIGEST_DANGER_KINDS = "Hulp geboden per soort: {kinds}"
DIGEST_THREADS = "Vragen aan coaches die langer dan 24 uur wachten: {count}"
#: One question waiting over a day, by its short id (as /inbox shows it) and the hours waited.
DIGEST_THREAD_WAITS = "#{tid} ({hours} u)"
