"""Backups: ``desk backup FILE`` and ``desk restore FILE``.

``sealed`` encrypts a stream with a passphrase (scrypt, AES-256-GCM in authenticated chunks);
``snapshot`` takes a consistent copy of the database while Desk writes; ``archive`` writes the
tar stream (manifest, database, secret key, attachment files) through it; ``restore`` reads it
back onto an empty desk. The retention rules live in ``desk.actions.retention``."""
