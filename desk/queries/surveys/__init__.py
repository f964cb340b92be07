"""Reads of satisfaction surveys: the answer page's survey, and the satisfaction report."""
