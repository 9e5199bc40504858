"""Time zones by the names people give their place, in Dutch or English, and shown the same way.

A participant types where they live, not an IANA key: "Brussel", "Antwerpen", "Den Haag",
"Nederland", "België", "Curaçao", "Suriname", "London". Names come from the Unicode CLDR through
Babel: every zone's city as Dutch and English speakers write it ("Brussel", "Londen"), and every
country or territory by its Dutch and English name, where it keeps one time (the Netherlands,
Belgium, the Caribbean parts of the Kingdom, Suriname). A country that keeps several times
(Spain, the United States) is answered with one zone for each of its times to choose from
(`country_zones`), each the zone Windows names for that time where there is one. CLDR names
one city per zone; the larger towns of the Netherlands and Belgium, where most participants
live, are listed here beside it (`_TOWNS`).

Zones are shown by their Dutch place name and the offset at that moment: "Amsterdam (UTC+1)".
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location

#: Longer input is no place name; nothing longer is folded or looked up.
MAX_CHARS = 100
_LOCALES = ("nl", "en")

#: Towns of the Netherlands and Belgium (and the islands' towns) that CLDR does not name, with
#: the other spellings people use ("'s-Hertogenbosch", "Den Bosch"; "Antwerpen", "Antwerp").
_TOWNS: dict[str, tuple[str, ...]] = {
    "Europe/Amsterdam": (
        "Rotterdam", "Den Haag", "'s-Gravenhage", "The Hague", "Utrecht", "Eindhoven",
        "Groningen", "Tilburg", "Almere", "Breda", "Nijmegen", "Apeldoorn", "Haarlem", "Arnhem",
        "Enschede", "Amersfoort", "Zaandam", "Zaanstad", "'s-Hertogenbosch", "Den Bosch",
        "Zwolle", "Leiden", "Zoetermeer", "Maastricht", "Dordrecht", "Ede", "Alkmaar", "Delft",
        "Venlo", "Deventer", "Leeuwarden", "Hilversum", "Heerlen", "Emmen", "Sittard", "Helmond",
        "Oss", "Amstelveen", "Purmerend", "Roosendaal", "Schiedam", "Lelystad", "Gouda", "Hoorn",
        "Vlaardingen", "Assen", "Bergen op Zoom", "Middelburg", "Vlissingen", "Den Helder",
        "Holland", "Randstad",
    ),
    "Europe/Brussels": (
        "Antwerpen", "Antwerp", "Anvers", "Gent", "Ghent", "Gand", "Charleroi", "Luik", "Liège",
        "Liege", "Brugge", "Bruges", "Namen", "Namur", "Leuven", "Louvain", "Mons", "Aalst",
        "Mechelen", "Malines", "Kortrijk", "Courtrai", "Hasselt", "Oostende", "Ostend",
        "Sint-Niklaas", "Genk", "Roeselare", "Turnhout", "Knokke", "Lier", "Dendermonde",
        "Vilvoorde", "Geel", "Bruxelles", "Vlaanderen", "Flanders", "Wallonie", "Wallonia",
    ),
    "America/Kralendijk": ("Bonaire", "Sint Eustatius", "Statia", "Saba"),
    "America/Curacao": ("Willemstad",),
    "America/Aruba": ("Oranjestad",),
    "America/Lower_Princes": ("Sint Maarten", "Philipsburg"),
}  # fmt: skip


def fold(text: str) -> str:
    """Lower case, accents and apostrophes dropped, spaces, hyphens and underscores alike."""
    text = unicodedata.normalize("NFKD", text[:MAX_CHARS])
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("'", "").replace("\u2019", "")
    return "_".join(re.split(r"[\s_\-/.]+", text)).strip("_")


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones() - {"localtime", "Factory", "posixrules"})


@functools.cache
def _places() -> dict[str, str]:
    """Every folded place name to its zone: towns first, then countries, then CLDR's cities."""
    found: dict[str, str] = {}
    zones = _zones()
    aliases: Mapping[str, str] = get_global("zone_aliases")
    for zone in sorted(zones):
        if "/" not in zone or zone in aliases or zone.startswith(("Etc/", "SystemV/", "US/")):
            continue
        for locale in _LOCALES:
            city = get_timezone_location(zone, locale=locale, return_city=True)
            found.setdefault(fold(city), zone)
    territory_zones: Mapping[str, list[str]] = get_global("territory_zones")
    for locale in _LOCALES:
        for code, name in Locale.parse(locale).territories.items():
            country_zones = [z for z in territory_zones.get(code, ()) if z in zones]
            if country_zones and _one_time(country_zones):
                found[fold(name)] = country_zones[0]
    for zone, towns in _TOWNS.items():
        for town in towns:
            found[fold(town)] = zone
    return found


@functools.cache
def _several() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every folded name of a country that keeps several times: its Dutch name, and one zone
    per time it keeps (at most `MAX_CHOICES`)."""
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    zones = _zones()
    territory_zones: Mapping[str, list[str]] = get_global("territory_zones")
    dutch = Locale.parse("nl").territories
    for locale in _LOCALES:
        for code, name in Locale.parse(locale).territories.items():
            country_zones = [z for z in territory_zones.get(code, ()) if z in zones]
            if len(country_zones) > 1 and not _one_time(country_zones):
                found.setdefault(fold(name), (dutch.get(code, name), _one_each(country_zones)))
    return found


#: The most zones offered to choose from (a WhatsApp list holds ten rows).
MAX_CHOICES = 10
_SEASONS = (datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC))


def _one_each(zones: list[str]) -> tuple[str, ...]:
    """One zone for each time the zones keep, the best known first in each (the zone Windows
    names for it, then the one with most old names, then Europe's), ordered east to west."""
    golden = frozenset(get_global("windows_zone_mapping").values())
    aliases: Mapping[str, str] = get_global("zone_aliases")
    known = {z: sum(1 for target in aliases.values() if target == z) for z in zones}
    times: dict[tuple[object, ...], list[str]] = {}
    for zone in zones:
        offsets = tuple(at.astimezone(ZoneInfo(zone)).utcoffset() for at in _SEASONS)
        times.setdefault(offsets, []).append(zone)
    best = [
        min(group, key=lambda z: (z not in golden, -known[z], not z.startswith("Europe/"), z))
        for _, group in sorted(times.items(), key=lambda item: item[0], reverse=True)
    ]
    return tuple(best[:MAX_CHOICES])


def country_zones(text: str) -> tuple[str, tuple[str, ...]] | None:
    """A country that keeps several times, named in Dutch or English: its Dutch name and one
    zone for each of its times; None for anything else."""
    if len(text) > MAX_CHARS:
        return None
    return _several().get(fold(text))


def _one_time(zones: list[str]) -> bool:
    """Whether the zones keep the same time all year (Germany's two do; Spain's do not)."""
    return all(len({at.astimezone(ZoneInfo(z)).utcoffset() for z in zones}) == 1 for at in _SEASONS)


def zone_for_place(text: str) -> str | None:
    """The zone of a place named in Dutch or English, or None when the name is unknown (or a
    country that keeps several times)."""
    if len(text) > MAX_CHARS:
        return None
    folded = fold(text)
    return _places().get(folded) if folded else None


def place_name(zone: str, locale: str = "nl") -> str:
    """A zone as people call its place ("Brussel", "Londen"), the key itself when unnamed."""
    if zone not in _zones() or "/" not in zone:
        return zone
    return str(get_timezone_location(zone, locale=locale, return_city=True))


def zone_label(zone: str, at: datetime, locale: str = "nl") -> str:
    """ "Amsterdam (UTC+1)": the place and its offset from UTC at `at`."""
    if zone not in _zones() or "/" not in zone:
        return zone
    offset = at.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = 0 if offset is None else int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    shown = "" if minutes == 0 else f"{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return f"{place_name(zone, locale)} (UTC{shown})"
