"""Desk: a self-hosted omnichannel service desk."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
__version__ = "0.1.0"
