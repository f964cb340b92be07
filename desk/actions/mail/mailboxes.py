"""Mailboxes: add, edit, enable and disable them; the accounts other code connects with.

Passwords arrive in clear (in a URL or a form field), are stored encrypted with
`desk.secrets` and leave this module only inside an `ImapAccount`/`SmtpAccount`, whose
repr masks them. Audit rows say "changed", never the password."""

from __future__ import annotations

import asyncio
import re
import string
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from sqlmodel import Session, col, select

from channels.email.charsets import LANGUAGES
from channels.email.imap import ImapAccount
from channels.email.login_check import CheckResult, check_imap, check_smtp
from channels.email.smtp_account import SmtpAccount
from desk.actions.audit import Actor, record
from desk.actions.input_errors import InputError
from desk.actions.tickets.outbox import queue_waiting
from desk.i18n import _
from desk.models import AfterFetch, Mailbox, Team
from desk.models.base import now
from desk.secrets import SecretError, decrypt, encrypt
from desk.settings import Settings

_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
# Changing any of these points the watermark at another folder: fetching starts over there.
_IMAP_PLACE = ("imap_host", "imap_port", "imap_user", "imap_folder")
_AUDITED = ("name", "address", "display_name", "team_id", "enabled", "imap_host", "imap_port",
            "imap_ssl", "imap_user", "imap_folder", "after_fetch", "processed_folder",
            "smtp_host", "smtp_port", "smtp_ssl", "smtp_require_tls", "smtp_user", "acknowledge",
            "ack_per_hour",
            "ack_subject", "ack_body", "poll_seconds", "language")
# A mailbox's language, as the admin chooses it: what its customers write when their mail
# names no charset (channels.email.charsets.LANGUAGES has the charsets of each).
LANGUAGE_LABELS = {
    "": _("None: guess from the mail alone"),
    "zh-hans": _("Simplified Chinese (GB18030, GBK, GB2312)"),
    "zh-hant": _("Traditional Chinese (Big5)"),
    "ja": _("Japanese (Shift_JIS, EUC-JP)"),
    "ko": _("Korean (EUC-KR, CP949)"),
    "ru": _("Russian and other Cyrillic (windows-1251, KOI8-R)"),
    "west-eu": _("Western European (windows-1252, ISO-8859-1/15)"),
    "central-eu": _("Central European (windows-1250, ISO-8859-2)"),
    "el": _("Greek (windows-1253, ISO-8859-7)"),
    "he": _("Hebrew (ISO-8859-8, windows-1255)"),
    "tr": _("Turkish (windows-1254, ISO-8859-9)"),
    "ar": _("Arabic (windows-1256, ISO-8859-6)"),
    "th": _("Thai (TIS-620, windows-874)"),
}


class MailboxError(InputError):
    """Mailbox settings that cannot be saved."""


@dataclass(frozen=True)
class MailboxOptions:
    """What an admin sets beside the name. A password given here is used when the URL
    carries none; on edit an empty one keeps the stored password."""

    address: str
    imap_url: str = ""  # "": no IMAP (mail is pushed to `desk smtpd` or fed by `desk ingest`)
    smtp_url: str = ""  # "": nothing can leave from this mailbox
    imap_password: str = field(default="", repr=False)
    smtp_password: str = field(default="", repr=False)
    team_id: int | None = None
    display_name: str = ""
    after_fetch: str = AfterFetch.flag
    processed_folder: str = "Desk/Processed"
    acknowledge: bool = True
    ack_per_hour: int = 3  # acknowledgements per sender address and hour
    # The mailbox's own acknowledgement ("" = the localised default); placeholders
    # {number} {subject} {name} {link}.
    ack_subject: str = ""
    ack_body: str = ""
    poll_seconds: int = 60  # between fetches where the server offers no IDLE
    language: str = ""  # a key of LANGUAGE_LABELS: "" none


def imap_account(settings: Settings, mailbox: Mailbox) -> ImapAccount | None:
    """The IMAP account to fetch from, password decrypted; None for a push-only mailbox.
    Raises desk.secrets.SecretError when DESK_SECRET_KEY changed since it was stored."""
    if not mailbox.imap_host:
        return None
    return ImapAccount(host=mailbox.imap_host, port=mailbox.imap_port, ssl=mailbox.imap_ssl,
                       user=mailbox.imap_user,
                       password=decrypt(settings.secret_key, mailbox.imap_password),
                       folder=mailbox.imap_folder)


def smtp_account(settings: Settings, mailbox: Mailbox) -> SmtpAccount | None:
    """The SMTP account to send through, password decrypted; None when none is set.
    Raises desk.secrets.SecretError when DESK_SECRET_KEY changed since it was stored."""
    if not mailbox.smtp_host:
        return None
    return SmtpAccount(host=mailbox.smtp_host, port=mailbox.smtp_port, ssl=mailbox.smtp_ssl,
                       user=mailbox.smtp_user,
                       password=decrypt(settings.secret_key, mailbox.smtp_password),
                       require_starttls=mailbox.smtp_require_tls)


def create_mailbox(
    session: Session, settings: Settings, actor: Actor, name: str, address: str,
    imap_url: str | None, smtp_url: str | None, team_id: int | None = None, **options: Any,
) -> Mailbox:
    """`add_mailbox` with the options as arguments (the CLI's and the tests' way)."""
    return add_mailbox(session, settings, actor, name, MailboxOptions(
        address=address, imap_url=imap_url or "", smtp_url=smtp_url or "", team_id=team_id,
        **options))


def add_mailbox(session: Session, settings: Settings, actor: Actor, name: str,
                opts: MailboxOptions) -> Mailbox:
    """Validate and add a mailbox (flushed, not committed). Raises MailboxError."""
    mailbox = Mailbox(name=_check_name(session, name), address="")
    _apply(session, settings, mailbox, opts)
    session.add(mailbox)
    session.flush()
    assert mailbox.id is not None
    changes: dict[str, Any] = {k: [None, v] for k, v in _snapshot(mailbox).items() if v not in ("", None)}
    changes.update(_password_changes(Mailbox(name="", address=""), mailbox, settings))
    record(session, actor, "mailbox", mailbox.id, "created", changes)
    _send_waiting_mail(session, mailbox)
    return mailbox


def update_mailbox(session: Session, settings: Settings, actor: Actor, mailbox: Mailbox,
                   opts: MailboxOptions) -> Mailbox:
    """Change everything but the name (raw mail is filed under it). Raises MailboxError and
    leaves the mailbox untouched then."""
    assert mailbox.id is not None
    before = Mailbox(**mailbox.model_dump())
    changed = Mailbox(**mailbox.model_dump())
    _apply(session, settings, changed, opts)
    diff = {k: [v, getattr(changed, k)] for k, v in _snapshot(before).items()
            if getattr(changed, k) != v}
    diff.update(_password_changes(before, changed, settings))
    if not diff:
        return mailbox
    for key in (*_AUDITED, "imap_password", "smtp_password"):
        setattr(mailbox, key, getattr(changed, key))
    if any(getattr(before, k) != getattr(mailbox, k) for k in _IMAP_PLACE):
        mailbox.uidvalidity, mailbox.last_uid = None, 0
    mailbox.updated_at = now()
    session.add(mailbox)
    record(session, actor, "mailbox", mailbox.id, "updated", diff)
    if not before.smtp_host:
        _send_waiting_mail(session, mailbox)
    return mailbox


def set_enabled(session: Session, actor: Actor, mailbox: Mailbox, enabled: bool) -> None:
    """A disabled mailbox is neither fetched from nor sent through; its settings stay."""
    assert mailbox.id is not None
    if mailbox.enabled == enabled:
        return
    record(session, actor, "mailbox", mailbox.id, "enabled" if enabled else "disabled",
           {"enabled": [mailbox.enabled, enabled]})
    mailbox.enabled = enabled
    mailbox.updated_at = now()
    session.add(mailbox)
    _send_waiting_mail(session, mailbox)


def set_language(session: Session, actor: Actor, mailbox: Mailbox, language: str) -> None:
    """The mailbox's language alone (`desk mailbox language`). Raises MailboxError."""
    assert mailbox.id is not None
    if language and language not in LANGUAGES:
        raise MailboxError("language", _("Choose a language from the list."))
    if mailbox.language == language:
        return
    record(session, actor, "mailbox", mailbox.id, "updated", {"language": [mailbox.language, language]})
    mailbox.language = language
    mailbox.updated_at = now()
    session.add(mailbox)


def _send_waiting_mail(session: Session, mailbox: Mailbox) -> None:
    """Mail queued while no mailbox could send it leaves once one can."""
    if mailbox.enabled and mailbox.smtp_host:
        queue_waiting(session)


async def test_mailbox(settings: Settings, mailbox: Mailbox) -> list[CheckResult]:
    """Log in to both servers (IMAP in a thread, both at once); one result per server."""
    try:
        imap, smtp = imap_account(settings, mailbox), smtp_account(settings, mailbox)
    except SecretError:
        return [CheckResult("IMAP/SMTP", False, _("A stored password cannot be read with this "
                                                  "DESK_SECRET_KEY: enter the passwords again."))]
    imap_check = (asyncio.to_thread(check_imap, imap) if imap is not None
                  else _skipped("IMAP", _("No IMAP server: mail comes in by desk smtpd or desk ingest.")))
    smtp_check = (check_smtp(smtp) if smtp is not None
                  else _skipped("SMTP", _("No SMTP server: nothing can be sent from this mailbox.")))
    return list(await asyncio.gather(imap_check, smtp_check))


test_mailbox.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


async def _skipped(server: str, message: str) -> CheckResult:
    return CheckResult(server, True, message)


def _check_name(session: Session, name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise MailboxError("name", _("A mailbox name is 1 to 100 characters without spaces."))
    if session.exec(select(Mailbox).where(Mailbox.name == name)).first() is not None:
        raise MailboxError("name", _("A mailbox with this name exists already."))
    return name


def _apply(session: Session, settings: Settings, mailbox: Mailbox, opts: MailboxOptions) -> None:
    """Validate `opts` and write them onto `mailbox` (not added to the session)."""
    address = opts.address.strip().lower()
    if not _ADDRESS.match(address) or len(address) > 320:
        raise MailboxError("address", _("This is not an email address."))
    taken = select(Mailbox).where(Mailbox.address == address)
    if mailbox.id is not None:
        taken = taken.where(col(Mailbox.id) != mailbox.id)
    if session.exec(taken).first() is not None:
        raise MailboxError("address", _("Another mailbox has this address already."))
    if opts.team_id is not None and session.get(Team, opts.team_id) is None:
        raise MailboxError("team", _("There is no such team."))
    if opts.after_fetch not in {a.value for a in AfterFetch}:
        raise MailboxError("after_fetch", _("After fetching, mail is either flagged or moved."))
    if opts.after_fetch == AfterFetch.move and not opts.processed_folder.strip():
        raise MailboxError("processed_folder", _("Name the folder to move fetched mail to."))
    _check_acknowledgement(opts)
    if not 10 <= opts.poll_seconds <= 86400:
        raise MailboxError("poll_seconds", _("Poll every 10 to 86400 seconds."))
    if opts.language and opts.language not in LANGUAGES:
        raise MailboxError("language", _("Choose a language from the list."))
    _apply_imap(settings, mailbox, opts)
    _apply_smtp(settings, mailbox, opts)
    mailbox.address = address
    mailbox.display_name = opts.display_name.strip()[:200]
    mailbox.team_id = opts.team_id
    mailbox.after_fetch = opts.after_fetch
    mailbox.processed_folder = opts.processed_folder.strip() or "Desk/Processed"
    mailbox.acknowledge = opts.acknowledge
    mailbox.ack_per_hour = opts.ack_per_hour
    mailbox.ack_subject = opts.ack_subject.strip()
    mailbox.ack_body = opts.ack_body.strip()
    mailbox.poll_seconds = opts.poll_seconds
    mailbox.language = opts.language


_PLACEHOLDERS = frozenset(("number", "subject", "name", "link"))


def _check_acknowledgement(opts: MailboxOptions) -> None:
    if not 0 <= opts.ack_per_hour <= 1000:
        raise MailboxError("ack_per_hour", _("Allow 0 to 1000 acknowledgements per sender and hour."))
    if len(opts.ack_subject) > 300:
        raise MailboxError("ack_subject", _("The subject is at most 300 characters."))
    for name, template in (("ack_subject", opts.ack_subject), ("ack_body", opts.ack_body)):
        try:
            fields = {f for _text, f, _spec, _conv in string.Formatter().parse(template) if f is not None}
        except ValueError:
            raise MailboxError(name, _("A brace is not closed: write {{ and }} for a literal "
                                       "brace.")) from None
        unknown = sorted(fields - _PLACEHOLDERS)
        if unknown:
            raise MailboxError(name, _("Unknown placeholder %(placeholder)s: use {number}, {subject}, "
                                       "{name} or {link}."), placeholder="{" + unknown[0] + "}")


def _apply_imap(settings: Settings, mailbox: Mailbox, opts: MailboxOptions) -> None:
    if not opts.imap_url.strip():
        mailbox.imap_host, mailbox.imap_user, mailbox.imap_password = "", "", ""
        return
    stored = mailbox.imap_password if mailbox.imap_host else ""
    url, keep = _with_password(opts.imap_url, opts.imap_password, stored)
    try:
        account = ImapAccount.from_url(url)
    except ValueError as exc:
        raise MailboxError("imap_url", _("The IMAP URL is not right: %(reason)s"),
                           reason=str(exc)) from None
    if not account.password:
        raise MailboxError("imap_password", _("The IMAP server needs a password."))
    if keep and (account.host, account.user) != (mailbox.imap_host, mailbox.imap_user):
        raise MailboxError("imap_password", _("Enter the password again: the server or user changed."))
    mailbox.imap_host, mailbox.imap_port, mailbox.imap_ssl = account.host, account.port, account.ssl
    mailbox.imap_user, mailbox.imap_folder = account.user, account.folder
    mailbox.imap_password = stored if keep else encrypt(settings.secret_key, account.password)


def _apply_smtp(settings: Settings, mailbox: Mailbox, opts: MailboxOptions) -> None:
    if not opts.smtp_url.strip():
        mailbox.smtp_host, mailbox.smtp_user, mailbox.smtp_password = "", "", ""
        return
    stored = mailbox.smtp_password if mailbox.smtp_host else ""
    url, keep = _with_password(opts.smtp_url, opts.smtp_password, stored)
    try:
        account = SmtpAccount.from_url(url)
    except ValueError as exc:
        raise MailboxError("smtp_url", _("The SMTP URL is not right: %(reason)s"),
                           reason=str(exc)) from None
    if account.user and not account.password:
        raise MailboxError("smtp_password", _("The SMTP server needs a password for this user."))
    if keep and (account.host, account.user) != (mailbox.smtp_host, mailbox.smtp_user):
        raise MailboxError("smtp_password", _("Enter the password again: the server or user changed."))
    mailbox.smtp_host, mailbox.smtp_port, mailbox.smtp_ssl = account.host, account.port, account.ssl
    mailbox.smtp_require_tls = account.require_starttls
    mailbox.smtp_user = account.user
    if not account.user:
        mailbox.smtp_password = ""
    else:
        mailbox.smtp_password = stored if keep else encrypt(settings.secret_key, account.password)


_KEEP = "\x00kept\x00"  # stands in for the stored password while the URL is checked


def _with_password(url: str, password: str, stored: str) -> tuple[str, bool]:
    """The URL with a password in it, and whether that is the stored one (kept as is).
    A password in the URL wins; then the separate field; then the stored password, which
    the callers keep only for the same host and user: otherwise pointing a mailbox at
    another server would hand it the stored password, unseen by the admin who did it."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.password is not None or not parts.username:
        return url, False
    secret, keep = (password, False) if password else ((_KEEP, True) if stored else ("", False))
    netloc = f"{parts.username}:{quote(secret, safe='')}@{parts.netloc.rpartition('@')[2]}"
    return parts._replace(netloc=netloc).geturl(), keep


def _snapshot(mailbox: Mailbox) -> dict[str, Any]:
    return {k: getattr(mailbox, k) for k in _AUDITED}


def _password_changes(before: Mailbox, after: Mailbox, settings: Settings) -> dict[str, Any]:
    """"set", "changed" or "removed" per password; the passwords themselves never."""
    changes: dict[str, Any] = {}
    for key in ("imap_password", "smtp_password"):
        old, new = getattr(before, key), getattr(after, key)
        if old == new:
            continue
        if not new:
            changes[key] = ["set", "removed"]
        elif not old:
            changes[key] = [None, "set"]
        elif _readable(settings, old) != _readable(settings, new):
            changes[key] = ["set", "changed"]
    return changes


def _readable(settings: Settings, ciphertext: str) -> str | None:
    try:
        return decrypt(settings.secret_key, ciphertext)
    except SecretError:
        return None


def shown_imap_url(mailbox: Mailbox) -> str:
    """`imaps://user@host:993/INBOX`, without the password: what pages and the CLI show."""
    if not mailbox.imap_host:
        return ""
    account = ImapAccount(mailbox.imap_host, mailbox.imap_port, mailbox.imap_ssl,
                          mailbox.imap_user, "", mailbox.imap_folder)
    return account.url.replace(":***@", "@", 1)


def shown_smtp_url(mailbox: Mailbox) -> str:
    """`smtp://user@host:587`, without the password: what pages and the CLI show."""
    if not mailbox.smtp_host:
        return ""
    account = SmtpAccount(mailbox.smtp_host, mailbox.smtp_port, mailbox.smtp_ssl,
                          mailbox.smtp_user, "", mailbox.smtp_require_tls)
    return account.url.replace(":***@", "@", 1)
