"""Errors a read raises when the reader may not see what they asked for."""


class NotFound(LookupError):
    pass


class Forbidden(PermissionError):
    pass
