"""Real mail servers for tests and benchmarks: Debian's Dovecot in a temporary folder.

Nothing here touches the system's own Dovecot: the config, sockets, state, logs and
mail all live in a temporary folder of its own (readable by Dovecot's users, which
pytest's 0700 temp folders are not), on a free loopback port.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "secret"


@dataclass(frozen=True)
class ImapLogin:
    """One mail account on a test server; `maildir` is its Maildir on disk."""

    host: str
    port: int
    user: str
    password: str
    maildir: Path

    @property
    def url(self) -> str:
        return f"imap://{self.user}:{self.password}@{self.host}:{self.port}/INBOX"


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _config(root: Path, port: int) -> str:
    if os.geteuid() == 0:
        # imap-login refuses to run as root: Dovecot's own users run its processes.
        mail_user = pwd.getpwnam("dovecot")
        login_user, internal_user = "dovenull", "dovecot"
    else:
        mail_user = pwd.getpwuid(os.geteuid())
        login_user = internal_user = mail_user.pw_name
    uid, gid = mail_user.pw_uid, mail_user.pw_gid
    return f"""\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:~/Maildir
# Every user name logs in with the one password and gets a Maildir of its own: a fresh
# account per test without touching the running server.
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%n
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  # No growing login delay from 127.0.0.1 after a test's wrong password.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


class Dovecot:
    """A Dovecot IMAP server in a temporary folder; `add_user` makes a fresh, empty account."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="desk-dovecot-"))
        # Dovecot's auth and mail processes run as its own users and must reach in here.
        self.root.chmod(0o755)
        self.host = "127.0.0.1"
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._users = 0

    def start(self, binary: str, timeout: float = 10.0) -> None:
        for folder in ("run", "state", "mail"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("dovecot")
            os.chown(self.root / "mail", owner.pw_uid, owner.pw_gid)
        conf = self.root / "dovecot.conf"
        # Another test run may take the port between probing and binding: try a few.
        for _attempt in range(5):
            self.port = free_port()
            conf.write_text(_config(self.root, self.port))
            with (self.root / "stderr.log").open("ab") as stderr:
                self._process = subprocess.Popen([binary, "-F", "-c", str(conf)],
                                                 stdout=subprocess.DEVNULL, stderr=stderr)
            if self._wait_for_greeting(timeout):
                return
            self.stop()
        raise RuntimeError(f"Dovecot did not start: {self.log()[-2000:]}")

    def _wait_for_greeting(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                return False
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as s:
                    if s.recv(64).startswith(b"* OK"):
                        return True
            except OSError:
                pass
            time.sleep(0.02)
        return False

    def account(self, name: str | None = None) -> ImapLogin:
        """A new, empty account (any name logs in with password `secret`)."""
        self._users += 1
        user = name or f"support{self._users}"
        return ImapLogin(self.host, self.port, user, PASSWORD,
                         self.root / "mail" / user / "Maildir")

    def log(self) -> str:
        paths = [self.root / "stderr.log", self.root / "dovecot.log"]
        return "".join(p.read_text(errors="replace") for p in paths if p.exists())

    def stop(self) -> None:
        """SIGTERM, never SIGKILL: a killed master leaves its children behind."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
