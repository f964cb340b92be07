"""Benchmarks: each script prints one JSON line on stdout and its progress on stderr."""
