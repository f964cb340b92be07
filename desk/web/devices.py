"""A browser's User-Agent header told briefly, as "Firefox on Windows", for the list of
signed-in browsers."""

from __future__ import annotations

import re

# Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari".
_BROWSERS = (("Edg", "Edge"), ("OPR", "Opera"), ("Firefox", "Firefox"), ("Chrome", "Chrome"),
             ("CriOS", "Chrome"), ("Safari", "Safari"), ("curl", "curl"), ("python", "Python"))
_SYSTEMS = (("Windows", "Windows"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
            ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def device_of(user_agent: str) -> str:
    """"Firefox on Windows", "Safari on iPhone", or the header cut short when unknown."""
    browser = next((name for key, name in _BROWSERS if re.search(key, user_agent, re.I)), "")
    system = next((name for key, name in _SYSTEMS if key in user_agent), "")
    if browser and system:
        return f"{browser} · {system}"
    return browser or system or user_agent[:40] or "?"
