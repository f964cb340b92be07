"""Reads. access_* functions check permissions and raise NotFound/Forbidden."""
