#!/usr/bin/python3
"""A second, independent iCalendar parser for the calendar tests: reads the .ics file
named on the command line with Python's icalendar (Debian python3-icalendar) and prints
its METHOD and the properties of its one VEVENT as JSON, for the C++ test to compare.

Exit status 3 when the icalendar module is not installed (the test then skips)."""
import json
import sys

try:
    import icalendar
except ImportError:
    sys.exit(3)

with open(sys.argv[1], "rb") as f:
    calendar = icalendar.Calendar.from_ical(f.read())

events = [c for c in calendar.walk() if c.name == "VEVENT"]
event = events[0]


def utc(name):
    value = event.decoded(name)
    if value.tzinfo is None or value.utcoffset().total_seconds() != 0:
        return "not UTC: " + str(value)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


print(json.dumps({
    "method": str(calendar.get("METHOD")),
    "version": str(calendar.get("VERSION")),
    "events": len(events),
    "uid": str(event.get("UID")),
    "sequence": int(event.get("SEQUENCE")),
    "dtstart": utc("DTSTART"),
    "dtend": utc("DTEND"),
    "summary": str(event.get("SUMMARY")),
    "location": str(event.get("LOCATION")),
    "status": str(event.get("STATUS")),
    "organizer": str(event.get("ORGANIZER")),
    "attendee": str(event.get("ATTENDEE")),
}, ensure_ascii=False))
