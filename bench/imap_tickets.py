"""IMAP to tickets: a generated corpus in a real Dovecot, fetched by `desk fetch` into
tickets on SQLite, end to end (fetch, store raw, commit, flag, parse, thread, open).

    .venv/bin/python -m bench.imap_tickets [-n 5000] [--seed 1]

The corpus (../shared/bench/corpus.py) is delivered straight into the account's Maildir
before the clock starts. Only `desk fetch --drain` is timed (passes of at most 2,000
until the folder is drained), process start-up included. Prints one JSON line.
Issue 4's target: >= 300 messages per second (django-helpdesk: about 34; Request
Tracker's mail gateway: about 2.7), peak RSS <= 300 MB."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus_path import corpus_script
from bench.servers import REPO, SECRET_KEY, say
from tests.mail_servers import Dovecot, dovecot_binary

ADD_MAILBOX = """
import sys
from desk.db import Database, commit
from desk.migrate import upgrade
from desk.models import Mailbox
from desk.secrets import encrypt
from desk.settings import load_settings
settings = load_settings()
db = Database(settings)
upgrade(db.engine)
host, port, user, password = sys.argv[1:5]
with db.session() as session:
    session.add(Mailbox(name="support", address="support@desk.test", imap_host=host,
                        imap_port=int(port), imap_ssl=False, imap_user=user,
                        imap_password=encrypt(settings.secret_key, password)))
    commit(session)
db.dispose()
"""


def deliver(corpus: Path, maildir: Path) -> int:
    """Drop every .eml into Maildir/new, named in corpus order (Dovecot gives UIDs by name)."""
    new = maildir / "new"
    new.mkdir(parents=True, exist_ok=True)
    files = sorted(corpus.glob("*.eml"))
    for n, path in enumerate(files):
        (new / f"{1700000000 + n}.M{n}P1.bench").write_bytes(path.read_bytes())
    mail_root = maildir.parent.parent  # <server>/mail, owned by the user Dovecot runs mail as
    subprocess.run(["chown", "-R", f"--reference={mail_root}", str(maildir.parent)], check=True)
    return len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    binary = dovecot_binary()
    if binary is None:
        raise SystemExit("dovecot is not installed (apt-get install dovecot-core dovecot-imapd)")
    server = Dovecot()
    with tempfile.TemporaryDirectory(prefix="desk-bench-imap-") as tmp:
        corpus = Path(tmp) / "corpus"
        subprocess.run([sys.executable, str(corpus_script()), "--seed", str(args.seed), "-n", str(args.n),
                        "--out", str(corpus)], check=True, stdout=subprocess.DEVNULL)
        env = {**os.environ, "DESK_DATA_DIR": str(Path(tmp) / "var"), "DESK_SECRET_KEY": SECRET_KEY}
        env.pop("DESK_DATABASE_URL", None)
        try:
            server.start(binary)
            account = server.account("support")
            count = deliver(corpus, account.maildir)
            subprocess.run([sys.executable, "-c", ADD_MAILBOX, account.host, str(account.port),
                            account.user, account.password], env=env, check=True, cwd=REPO)
            say(f"fetching {count} messages from Dovecot with desk fetch")
            desk = [str(REPO / ".venv" / "bin" / "desk"), "--log-level", "WARNING"]
            started = time.perf_counter()
            done = subprocess.run([*desk, "fetch", "--drain", "--mailbox", "support"], env=env,
                                  capture_output=True, text=True, cwd=REPO)
            elapsed = time.perf_counter() - started
        finally:
            server.remove()
        if done.returncode != 0:
            raise SystemExit(f"desk fetch failed: {done.stderr[-2000:]}")
        check = subprocess.run([sys.executable, "-c", (
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);"
            "print(c.execute('select count(*) from rawmessage').fetchone()[0],"
            " c.execute(\"select count(*) from rawmessage where status='stored'\").fetchone()[0],"
            " c.execute('select count(*) from ticket').fetchone()[0])"),
            str(Path(tmp) / "var" / "desk.db")], capture_output=True, text=True, check=True)
        stored, waiting, tickets = map(int, check.stdout.split())
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({
        "bench": "imap_tickets", "messages": count, "seed": args.seed, "seconds": round(elapsed, 2),
        "msgs_per_s": round(count / elapsed, 1), "stored": stored, "left_unprocessed": waiting,
        "tickets": tickets, "peak_rss_mb": round(peak_mb, 1),
        "passes": done.stdout.strip().splitlines(),
        "target_msgs_per_s": 300, "target_peak_rss_mb": 300,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
