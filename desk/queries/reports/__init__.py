"""Reads of the reports: who sees which figures, the service figures, time bands."""
