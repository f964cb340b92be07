"""Splitting the new text of a reply from the history it quotes."""

from __future__ import annotations

import re

# A line that opens quoted history, in the styles of common clients.
_OPENERS = re.compile(
    r"""^(?:
        On\s.{1,300}\swrote:\s*$                         # Gmail, Apple Mail, Thunderbird
      | Am\s.{1,300}\sschrieb.{0,40}:\s*$
      | Le\s.{1,300}\sa\sécrit\s*:\s*$
      | -{2,}\s*Original\sMessage\s*-{2,}                # Outlook
      | -{2,}\s*Forwarded\smessage\s*-{2,}
      | -{3,}\s*原始邮件\s*-{3,}                         # Foxmail, QQ Mail
      | -{3,}\s*原始郵件\s*-{3,}
      | -{3,}\s*Original\s*-{3,}
      | 发件人[:：]                                      # Outlook (zh-CN), NetEase
      | 寄件者[:：]                                      # Outlook (zh-TW)
      | 在.{1,300}写道[:：]\s*$                          # Gmail/Apple (zh-CN)
      | 於.{1,300}寫道[:：]\s*$                          # Gmail/Apple (zh-TW)
      | _{10,}\s*$                                       # Outlook's rule above From:
      | >
    )""",
    re.VERBOSE,
)
_FROM_BLOCK = re.compile(r"^From:\s.+\n(?:Sent|Date):\s", re.MULTILINE)


def _joined(lines: list[str], i: int) -> str:
    """Line i with the next one, for "On ... <addr>\\nwrote:" wrapped by the client."""
    if i + 1 < len(lines) and lines[i + 1].strip().endswith(("wrote:", "写道:", "写道：")):
        return lines[i].strip() + " " + lines[i + 1].strip()
    return lines[i].strip()


def new_text(text: str) -> str:
    """The part of `text` above the first quoted-history opener (all of it if none)."""
    return split(text)[0]


def split(text: str) -> tuple[str, str]:
    """(new text, quoted history): `text` cut at the first quoted-history opener. The history
    is kept, for the page to fold; when nothing stands above the opener (a bare forward),
    all of it is the new text."""
    lines = text.split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if _OPENERS.match(stripped) or (stripped.startswith("On ") and _OPENERS.match(_joined(lines, i))):
            cut = i
            break
        if stripped.startswith("From:") and _FROM_BLOCK.match("\n".join(s.strip() for s in lines[i : i + 2])):
            cut = i
            break
    fresh = "\n".join(lines[:cut]).strip()
    if not fresh:
        return text.strip(), ""
    return fresh, "\n".join(lines[cut:]).strip()
