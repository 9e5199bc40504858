"""What the bot says before it erases the data of someone who has been quiet for a long time.

Part of the bot's catalogue (see texts.py): plain text, read on a phone, short enough for any
channel. Sent once, 14 days before the erasure, through the chat's queue like a lesson.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

RETENTION_NOTICE = (
    "Hoi{name}, het is al een tijd stil tussen ons. Ik bewaar niets langer dan nodig, dus op "
    "{day} wis ik alles wat ik van je heb: je antwoorden, je scores, je naam en waar je was in "
    "je cursus.\n\n"
    "Wil je het bewaren? Stuur me voor die dag een bericht, of /verder. Dan blijft alles zoals "
    "het is."
)


def retention_notice(first_name: str | None, day: date) -> str:
    """The notice, with their first name where known and the day in Dutch ('14 maart 2026')."""
    return RETENTION_NOTICE.format(
        name=f" {first_name}" if first_name else "",
        day=format_date(day, "d MMMM y", locale="nl"),
    )
