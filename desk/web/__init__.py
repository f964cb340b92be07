"""The web layer: one module per area, each exporting ``routes``."""

from desk.web import ids

__all__ = ["ids"]
