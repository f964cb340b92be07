"""What an agent needs from a calendar invitation (text/calendar): its title and time."""

from __future__ import annotations

import re

_UNFOLD = re.compile(r"\r?\n[ \t]")
_STAMP = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})\d{0,2}(Z?))?$")


def event_line(ics: str) -> str:
    """"📅 Title — 2026-12-10 14:00 – 15:00 Europe/Berlin (Room 2)" for the first event
    of an iCalendar text; empty when it holds none. No words, so no language."""
    fields: dict[str, tuple[str, str]] = {}
    inside = False
    for line in _UNFOLD.sub("", ics).splitlines():
        upper = line.upper()
        if upper.startswith("BEGIN:VEVENT"):
            inside = True
        elif upper.startswith("END:VEVENT"):
            break
        elif inside and ":" in line:
            key, value = line.split(":", 1)
            name, _, params = key.partition(";")
            fields.setdefault(name.upper(), (params, _unescape(value.strip())))
    if not inside:
        return ""
    title = fields.get("SUMMARY", ("", ""))[1]
    start = _when(*fields.get("DTSTART", ("", "")))
    end = _when(*fields.get("DTEND", ("", "")))
    when = " ".join(start)
    if start and end and end != start:
        same_day = end[0] == start[0] and len(end) > 1 and len(start) > 1
        zone = start[2:] if same_day and end[2:] == start[2:] else ()
        shown_end = end[1:2] if same_day and zone == start[2:] else end
        when = " ".join((*start[:2], "–", *shown_end, *zone)) if zone else " ".join((*start, "–", *shown_end))
    place = fields.get("LOCATION", ("", ""))[1]
    parts = [part for part in (title, when) if part]
    line = "📅 " + " — ".join(parts) if parts else ""
    return f"{line} ({place})" if line and place else line


def _when(params: str, value: str) -> tuple[str, ...]:
    """(date, time, zone) of an iCalendar DATE or DATE-TIME; shorter when parts are absent."""
    found = _STAMP.match(value)
    if found is None:
        return (value,) if value else ()
    year, month, day, hour, minute, utc = found.groups()
    date = f"{year}-{month}-{day}"
    if hour is None:
        return (date,)
    zone = "UTC" if utc else _param(params, "TZID")
    return (date, f"{hour}:{minute}", zone) if zone else (date, f"{hour}:{minute}")


def _param(params: str, name: str) -> str:
    for item in params.split(";"):
        key, _, value = item.partition("=")
        if key.strip().upper() == name:
            return value.strip().strip('"')
    return ""


def _unescape(value: str) -> str:
    return (value.replace("\\n", " ").replace("\\N", " ").replace("\\,", ",")
            .replace("\\;", ";").replace("\\\\", "\\"))
