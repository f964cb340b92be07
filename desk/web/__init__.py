"""The web layer: one module per area, each exporting ``routes``."""
