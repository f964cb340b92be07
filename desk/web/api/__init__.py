"""JSON API v1, mounted at /api/v1."""

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
