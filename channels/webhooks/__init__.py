"""Webhooks out: where a URL really points (the private-network guard), the signature of a
payload, and one signed POST to a pinned address. No desk imports."""
