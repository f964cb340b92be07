"""A support-mail corpus with what real mail carries: attachments, HTML-only mail,
forwards, calendar invites (issue 12). Deterministic, stdlib only.

    .venv/bin/python -m bench.real_corpus --seed 1 -n 1000 --out /tmp/real

Writes NNNNN.eml (CRLF, delivery order) and manifest.json (kind, language, size and
attachments of each file). Same seed and N give byte-identical files.

The mix (fractions of N, drawn per message):
- 38 % new requests: text/plain or multipart/alternative;
- 22 % replies with quoted history (Gmail ``On ... wrote:``, ``在 ... 写道：``,
  ``Am ... schrieb``, Outlook ``-----Original Message-----``), threaded by
  In-Reply-To/References to earlier mail of the corpus, nested quotes;
- 14 % HTML-only mail (Outlook ``MsoNormal`` and QQ-mail style), a third of them
  multipart/related with inline ``cid:`` images (8-120 KB);
- 7 % forwarded inline (``---------- Forwarded message ---------``), 5 % forwarded as
  an attached message/rfc822 (which may carry attachments of its own);
- 7 % calendar invites (Outlook: text/calendar; method=REQUEST inside the alternative,
  plus an application/ics ``invite.ics`` attachment);
- 4 % auto-replies (Auto-Submitted), 3 % bounces (multipart/report with the original).

A third of all messages carry one to three attachments (1: 70 %, 2: 20 %, 3: 10 %) of
50 KB to 5 MB, log-normal around a 200 KB median (about 5 % above 1 MB): PDF (a real
%PDF-1.7 with xref), JPEG (SOI/JFIF ... EOI), PNG (signature, IHDR/IDAT/IEND with right
CRCs, stored zlib: it decodes), .docx/.xlsx (real zip containers with their XML parts
and a stored media file). Payloads are pseudo-random bytes (random.Random.randbytes),
so nothing compresses and the sizes are honest; everything is base64 as mail clients
send it. Names are ASCII, RFC 2231 (UTF-8) or RFC 2047 inside quotes (GBK, as
Outlook/Foxmail write them).

Languages: 50 % English (utf-8, us-ascii, windows-1252), 30 % Chinese (GBK, GB2312,
UTF-8; RFC 2047 B subjects and names; base64 or 8-bit bodies), 12 % German (ISO-8859-1
or UTF-8, quoted-printable), 8 % Japanese (ISO-2022-JP 7-bit or UTF-8 base64).

Seed 1, N 1000: 331 messages with attachments (460 files, median 199 KB, mean 326 KB,
24 above 1 MB), mean message 213 KB, median message 2.4 KB, 213 MB in all; about 2 s
to write (``manifest.json`` has the figures of a run).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import html
import json
import random
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from bench.real_corpus_files import CTYPES, EXT, FILE_KINDS, attachment_size, make_file, png
from bench.real_corpus_mime import address, b_words, file_part, leaf, multipart, text_leaf
from bench.real_corpus_text import (
    COMPANIES,
    FILENAMES,
    LANG_CHARSETS,
    NAMES,
    SENTENCES,
    SIGNOFF,
    SUBJECTS,
    attribution,
)

DESK = "support@acme.test"
KINDS = (("new", 38), ("reply", 22), ("html", 14), ("fwd_inline", 7), ("fwd_attached", 5),
         ("invite", 7), ("autoreply", 4), ("bounce", 3))
LANGS = (("en", 50), ("zh", 30), ("de", 12), ("ja", 8))
ATTACHABLE = ("new", "reply", "html", "fwd_inline", "fwd_attached")
# A third of all mail, drawn among the kinds that carry attachments (86 % of the mix).
P_ATTACH = (1 / 3) / (sum(w for k, w in KINDS if k in ATTACHABLE) / 100)


def pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


# --- messages ----------------------------------------------------------------------------

@dataclass
class Sent:
    """What later mail of the corpus answers, forwards or quotes."""

    message_id: str
    references: str
    subject: str
    name: str
    addr: str
    lang: str
    text: str
    date: dt.datetime


@dataclass
class Draft:
    """One message being written: its sender, language, charset and what it carries."""

    i: int
    rng: random.Random
    lang: str
    charset: str
    cte: str
    name: str
    addr: str
    date: dt.datetime
    files: list[tuple[str, str, bytes]]

    def message_id(self) -> str:
        return f"<{self.date:%Y%m%d%H%M%S}.{self.rng.getrandbits(40):010x}@{self.addr.split('@')[1]}>"

    def prose(self, low: int = 2, high: int = 6) -> str:
        greeting = {"en": "Hello,", "zh": "您好，", "de": "Sehr geehrte Damen und Herren,",
                    "ja": "お世話になっております。"}[self.lang]
        pool = SENTENCES[self.lang]
        words = self.rng.sample(pool, self.rng.randint(low, min(high, len(pool))))
        joiner = "" if self.lang in ("zh", "ja") else " "
        return f"{greeting}\n\n{joiner.join(words)}\n\n{SIGNOFF[self.lang].format(name=self.name)}"

    def subject(self) -> str:
        return self.rng.choice(SUBJECTS[self.lang]).format(n=self.rng.randint(10000, 99999))

    def headers(self, subject: str, message_id: str, *extra: str, sender: str = "") -> bytes:
        mailer = self.rng.choice(("Microsoft Outlook 16.0", "Foxmail 7.2.25.228", "QQMail 2.x",
                                  "Apple Mail (2.3731.700.6)", "Mozilla Thunderbird 115.6"))
        host = self.addr.split("@")[1]
        lines = [f"Received: from mx{self.i % 7}.{host} (mx.{host} [198.51.100.{self.i % 250}])\n\t"
                 f"by mx.acme.test with ESMTPS id {self.rng.getrandbits(40):X};\n\t"
                 f"{format_datetime(self.date)}",
                 f"Return-Path: <{self.addr}>",
                 f"From: {sender or address(self.name, self.addr, self.charset)}", f"To: {DESK}",
                 f"Subject: {b_words(subject, self.charset)}", f"Date: {format_datetime(self.date)}",
                 f"Message-ID: {message_id}", *extra, f"X-Mailer: {mailer}", "MIME-Version: 1.0"]
        return "\n".join(lines).encode() + b"\n"

    def body(self, text: str, alternative: bool) -> bytes:
        plain = text_leaf(text, "plain", self.charset, self.cte)
        if not alternative:
            return plain
        markup = "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in text.split("\n"))
        return multipart(self.rng, "alternative", [plain, text_leaf(
            f"<html><body>{markup}</body></html>", "html", self.charset, self.cte)])

    def with_files(self, root: bytes) -> bytes:
        if not self.files:
            return root
        files = [file_part(name, ctype, data, self.charset) for name, ctype, data in self.files]
        return multipart(self.rng, "mixed", [root, *files])


def html_only(d: Draft, text: str) -> bytes:
    """Outlook (MsoNormal paragraphs) or QQ-mail HTML, a third with inline cid: images."""
    paras = [html.escape(p) for p in text.split("\n") if p]
    if d.lang == "zh" and d.rng.random() < 0.6:
        inner = "".join(f"<div>{p}</div>" for p in paras) + "<div><br></div>"
        page = f'<meta http-equiv="Content-Type" content="text/html; charset={d.charset}">{inner}'
    else:
        inner = "".join(f'<p class="MsoNormal"><span lang="EN-US">{p}<o:p></o:p></span></p>' for p in paras)
        page = ('<html xmlns:v="urn:schemas-microsoft-com:vml" '
                'xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
                f'<meta http-equiv="Content-Type" content="text/html; charset={d.charset}"><style><!--'
                "p.MsoNormal, li.MsoNormal {margin:0cm; font-size:11.0pt; "
                "font-family:\"Calibri\",sans-serif;}"
                f'--></style></head><body lang="ZH-CN"><div class="WordSection1">{inner}</div></body></html>')
    images = []
    if d.rng.random() < 1 / 3:
        for k in range(d.rng.randint(1, 2)):
            cid = f"image{k + 1:03}.png@01DA{d.rng.getrandbits(32):08X}.{d.rng.getrandbits(32):08X}"
            images.append(file_part(f"image{k + 1:03}.png", "image/png",
                                    png(d.rng, d.rng.randint(8_000, 120_000)), "us-ascii", inline_cid=cid))
            page = page.replace("</div></body>", f'<img width="480" src="cid:{cid}"></div></body>', 1)
    root = text_leaf(page, "html", d.charset, "base64" if d.cte == "8bit" else d.cte)
    return multipart(d.rng, "related", [root, *images], ' type="text/html";') if images else root


def quoted(text: str) -> str:
    return "\n".join(">" + (" " if not line.startswith(">") else "") + line for line in text.split("\n"))


FWD = {"en": "Fwd: ", "zh": "转发：", "de": "WG: ", "ja": "Fw: "}
RE = {"en": ("Re: ", "RE: "), "zh": ("回复：", "答复: ", "Re:"), "de": ("AW: ", "Re: "),
      "ja": ("Re: ", "RE: ")}


def compose(d: Draft, kind: str, parent: Sent | None) -> tuple[bytes, Sent | None]:
    """The whole message of `kind` (a reply or forward of `parent`), and what later mail
    may answer (None for automatic mail)."""
    mid = d.message_id()
    if kind == "reply":
        assert parent is not None
        subject = d.rng.choice(RE[parent.lang]) + parent.subject
        when = format_datetime(parent.date)
        day = (parent.date.year, parent.date.month, parent.date.day, parent.date.hour,
               parent.date.minute, parent.date.weekday())
        head = attribution(d.lang, d.rng.randint(0, 1), when, day, parent.name, parent.addr)
        text = f"{d.prose(1, 3)}\n\n{head}\n{quoted(parent.text[:6000])}"
        refs = f"{parent.references} {parent.message_id}".strip()
        root = d.with_files(d.body(text, d.rng.random() < 0.5))
        sent = Sent(mid, refs, subject, d.name, d.addr, d.lang, text, d.date)
        head_lines = d.headers(subject, mid, f"In-Reply-To: {parent.message_id}", f"References: {refs}")
        return head_lines + root, sent
    if kind in ("fwd_inline", "fwd_attached"):
        assert parent is not None
        subject = FWD[d.lang] + parent.subject
        note = d.prose(1, 2)
        if kind == "fwd_inline":
            text = (f"{note}\n\n---------- Forwarded message ---------\n"
                    f"From: {parent.name} <{parent.addr}>\nDate: {format_datetime(parent.date)}\n"
                    f"Subject: {parent.subject}\nTo: {DESK}\n\n{parent.text}")
            root = d.with_files(d.body(text, d.rng.random() < 0.5))
        else:
            text = note
            inner = Draft(d.i, d.rng, parent.lang, "utf-8", "base64", parent.name, parent.addr,
                          parent.date, d.files)
            original = inner.headers(parent.subject, parent.message_id) + inner.with_files(
                inner.body(parent.text, False))
            name = parent.subject if parent.subject.isascii() else "forwarded"
            attached = (f'Content-Type: message/rfc822; name="{name}.eml"\nContent-Disposition: attachment;'
                        f' filename="{name}.eml"\n\n').encode() + original
            root = multipart(d.rng, "mixed", [d.body(note, False), attached])
        return d.headers(subject, mid) + root, Sent(mid, "", subject, d.name, d.addr, d.lang, text, d.date)
    if kind == "invite":
        return invite(d, mid), None
    if kind == "autoreply":
        return autoreply(d, mid), None
    if kind == "bounce":
        return bounce(d, mid), None
    subject = d.subject()
    text = d.prose()
    if kind == "html":
        root = d.with_files(html_only(d, text))
    else:
        root = d.with_files(d.body(text, d.rng.random() < 0.5))
    return d.headers(subject, mid) + root, Sent(mid, "", subject, d.name, d.addr, d.lang, text, d.date)


def invite(d: Draft, mid: str) -> bytes:
    start = (d.date + dt.timedelta(days=d.rng.randint(1, 14))).replace(minute=0, second=0)
    stamp = "%Y%m%dT%H%M%S"
    topic = d.rng.choice(("Quarterly service review", "Onboarding call", "Escalation meeting",
                          "Contract renewal discussion"))
    ics = "\r\n".join([
        "BEGIN:VCALENDAR", "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN", "VERSION:2.0",
        "METHOD:REQUEST", "BEGIN:VTIMEZONE", "TZID:China Standard Time", "BEGIN:STANDARD",
        "DTSTART:16010101T000000", "TZOFFSETFROM:+0800", "TZOFFSETTO:+0800", "END:STANDARD",
        "END:VTIMEZONE", "BEGIN:VEVENT", f"ORGANIZER;CN={d.name}:mailto:{d.addr}",
        f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=ACME Support:mailto:{DESK}",
        f"DESCRIPTION;LANGUAGE=en-US:{topic}\\n\\nJoin online: https://meet.example.com/{d.rng.getrandbits(32):x}",
        f"UID:{d.rng.getrandbits(128):032X}", f"SUMMARY;LANGUAGE=en-US:{topic}",
        f"DTSTART;TZID=China Standard Time:{start:{stamp}}",
        f"DTEND;TZID=China Standard Time:{start + dt.timedelta(hours=1):{stamp}}",
        f"DTSTAMP:{d.date:{stamp}}Z", "SEQUENCE:0", "LOCATION:Microsoft Teams Meeting",
        "STATUS:CONFIRMED", "BEGIN:VALARM", "TRIGGER:-PT15M", "ACTION:DISPLAY", "DESCRIPTION:Reminder",
        "END:VALARM", "END:VEVENT", "END:VCALENDAR", ""]).encode()
    text = (f"{topic}\n\nWhen: {start:%A, %d %B %Y %H:%M} (UTC+08:00)\n"
            f"Where: Microsoft Teams Meeting\n\n{d.prose(1, 2)}")
    markup = "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n") if line)
    calendar = leaf('text/calendar; charset="utf-8"; method=REQUEST', base64.encodebytes(ics), "base64")
    alternative = multipart(d.rng, "alternative", [
        text_leaf(text, "plain", d.charset, d.cte),
        text_leaf(f"<html><body>{markup}</body></html>", "html", d.charset, d.cte), calendar])
    ics_file = leaf('application/ics; name="invite.ics"', base64.encodebytes(ics), "base64",
                    'Content-Disposition: attachment; filename="invite.ics"')
    return d.headers(f"Invitation: {topic} @ {start:%a %d %b %Y %H:%M}", mid) + multipart(
        d.rng, "mixed", [alternative, ics_file])


def autoreply(d: Draft, mid: str) -> bytes:
    prefix = {"en": "Automatic reply: ", "zh": "自动回复：", "de": "Abwesenheitsnotiz: ",
              "ja": "自動応答: "}[d.lang]
    ack = f"<ack.{d.rng.randint(1, 5000)}.{d.rng.getrandbits(32):x}@acme.test>"
    text = {"en": "I am out of the office until Monday with limited access to email.",
            "zh": "我正在休假，周一回来后会尽快回复您的邮件。",
            "de": "Ich bin bis Montag nicht im Büro und habe keinen Zugriff auf E-Mails.",
            "ja": "月曜日まで不在にしております。戻り次第ご連絡いたします。"}[d.lang]
    return d.headers(f"{prefix}[#{d.rng.randint(1, 5000)}] We received your request", mid,
                     f"In-Reply-To: {ack}", "Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All",
                     "Precedence: bulk") + text_leaf(text, "plain", d.charset, d.cte)


def bounce(d: Draft, mid: str) -> bytes:
    host = d.addr.split("@")[1]
    ack = f"<ack.{d.rng.randint(1, 5000)}.{d.rng.getrandbits(32):x}@acme.test>"
    status = (f"Reporting-MTA: dns; mx.{host}\nArrival-Date: {format_datetime(d.date)}\n\n"
              f"Final-Recipient: rfc822; {d.addr}\nAction: failed\nStatus: 5.1.1\n"
              f"Diagnostic-Code: smtp; 550 5.1.1 <{d.addr}>: Recipient address rejected: User unknown\n")
    original = (f"From: ACME Support <{DESK}>\nTo: {d.addr}\nSubject: [#{d.rng.randint(1, 5000)}] We "
                f"received your request\nMessage-ID: {ack}\nDate: {format_datetime(d.date)}\n"
                "Content-Type: text/plain; charset=utf-8\n\nThank you for writing to ACME support.\n")
    parts = [text_leaf(f"This is the mail system at host mx.{host}.\n\nI'm sorry to have to inform you "
                       "that your message could not be delivered to one or more recipients.", "plain",
                       "us-ascii", "7bit"),
             b"Content-Type: message/delivery-status\n\n" + status.encode(),
             b"Content-Type: message/rfc822\n\n" + original.encode()]
    return d.headers("Undelivered Mail Returned to Sender", mid,
                     sender=f"Mail Delivery System <MAILER-DAEMON@mx.{host}>") + multipart(
        d.rng, "report", parts, " report-type=delivery-status;")


def draft(i: int, rng: random.Random, kind: str, start: dt.datetime, parent: Sent | None) -> Draft:
    """The sender and files of message `i`; a reply or forward keeps `parent`'s language,
    and most replies come from the parent's own sender."""
    lang = parent.lang if parent is not None else pick(rng, LANGS)
    charset, cte = rng.choices([c for c, _ in LANG_CHARSETS[lang]], [w for _, w in LANG_CHARSETS[lang]])[0]
    name = rng.choice(NAMES[lang])
    addr = f"user{rng.randint(1, 400)}@{rng.choice(COMPANIES)}"
    if parent is not None and kind == "reply" and rng.random() < 0.7:
        name, addr = parent.name, parent.addr
    files = []
    if kind in ATTACHABLE and rng.random() < P_ATTACH:
        for _ in range(rng.choices((1, 2, 3), (70, 20, 10))[0]):
            file_kind = pick(rng, FILE_KINDS)
            stem = rng.choice(FILENAMES[lang]).format(n=rng.randint(100, 9999))
            data = make_file(rng, file_kind, attachment_size(rng))
            files.append((stem + EXT[file_kind], CTYPES[file_kind], data))
    return Draft(i, rng, lang, charset, cte, name, addr, start + dt.timedelta(minutes=3 * i), files)


def generate(seed: int, n: int, out: Path) -> dict[str, object]:
    """Write the corpus; returns its manifest."""
    out.mkdir(parents=True, exist_ok=True)
    master = random.Random(seed)
    start = dt.datetime(2024, 3, 4, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    history: list[Sent] = []
    entries: list[dict[str, Any]] = []
    for i in range(n):
        kind = pick(master, KINDS)
        if kind in ("reply", "fwd_inline", "fwd_attached") and not history:
            kind = "new"
        parent = master.choice(history[-200:]) if kind in ("reply", "fwd_inline", "fwd_attached") else None
        d = draft(i, random.Random(f"{seed}:{i}"), kind, start, parent)
        data, sent = compose(d, kind, parent)
        if sent is not None:
            history.append(sent)
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        name = f"{i + 1:05}.eml"
        (out / name).write_bytes(data)
        entries.append({"file": name, "kind": kind, "lang": d.lang, "charset": d.charset,
                        "size": len(data), "attachments": [
                            {"name": f, "content_type": c, "size": len(b)} for f, c, b in d.files]})
    sizes = sorted(int(e["size"]) for e in entries)
    manifest = {"seed": seed, "messages": n, "total_bytes": sum(sizes),
                "mean_bytes": sum(sizes) // max(n, 1), "median_bytes": sizes[n // 2] if n else 0,
                "with_attachments": sum(1 for e in entries if e["attachments"]), "files": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    manifest = generate(args.seed, args.n, args.out)
    print(json.dumps({k: v for k, v in manifest.items() if k != "files"}))


if __name__ == "__main__":
    main()
