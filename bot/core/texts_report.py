"""What druppel says to trainers and operators with /rapport: part of the catalogue."""

from __future__ import annotations

REPORT_USAGE = "Typ /rapport en de cursus, bijvoorbeeld /rapport {example}. Cursussen: {courses}."
REPORT_CAPTION = (
    "Rapport van “{title}”: een rij per versie en dag. Waar minder dan {least} deelnemers "
    "achter een getal zitten, staat een streepje, zodat niemand herkenbaar is."
)
#: The columns of the CSV, in order.
REPORT_COLUMNS = (
    "cursus",
    "versie",
    "dag",
    "ingeschreven",
    "les_ontvangen",
    "vraag_beantwoord",
    "gemiddelde_checkin",
    "nog_actief_na_dag",
    "gepauzeerd_op_dag",
    "gestopt_op_dag",
)
#: In /stats, per course: the day on which most participants stopped.
STATS_MOST_STOP = "Meeste stoppers: dag {day} ({count} gestopt)"
STATS_NOBODY_STOPPED = "Nog niemand gestopt"
