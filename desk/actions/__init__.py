"""Every write. Actions change state in the session; the caller commits once."""
