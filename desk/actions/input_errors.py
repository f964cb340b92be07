"""The error an action raises for input it will not save."""

from __future__ import annotations


class InputError(ValueError):
    """Input that cannot be saved: ``field`` names the input at fault, ``message`` is a msgid
    translated where it is shown, formatted with ``params`` afterwards. Each area subclasses
    it (CustomerError, KbError...) so callers catch only their own."""

    def __init__(self, field: str, message: str, **params: str) -> None:
        super().__init__(message % params if params else message)
        self.field = field
        self.message = message
        self.params = params
