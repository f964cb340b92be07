"""Live updates for open agent pages: what changed (notices), who is looking (presence).

Notices are not durable: an action records them beside its events, they leave after the
commit (PostgreSQL: NOTIFY in the same transaction, so every `desk serve` process hears them
and a rollback sends nothing; SQLite, one process: handed to this process's hub), and a page
that was not listening reloads to catch up. Nothing here writes a row."""
