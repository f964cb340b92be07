"""Routing rules: what they are (definition), whether they hold (matching), running them on
ticket events (applying), and writing them (manage)."""
