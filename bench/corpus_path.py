"""Where the shared mail corpus lives: ``../shared/bench`` beside this checkout.

The mail benches and the corpus tests generate their mail with its ``corpus.py`` and
score it with its ``benchlib.py``. The folder is not part of this repository; it is
found relative to the checkout (the project root's parent), never at a path of one
machine, so a clone elsewhere works as long as ``shared/`` sits beside it.
"""

from __future__ import annotations

from pathlib import Path

SHARED_BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"


def shared_bench() -> Path:
    """The folder; exits with where it was looked for when ``corpus.py`` is not there."""
    if not (SHARED_BENCH / "corpus.py").exists():
        raise SystemExit(
            f"the mail corpus generator is missing: expected {SHARED_BENCH / 'corpus.py'} "
            "(../shared/bench beside this checkout)")
    return SHARED_BENCH


def corpus_script() -> Path:
    """``corpus.py``, the generator the mail benches run (see ``shared_bench``)."""
    return shared_bench() / "corpus.py"
