"""agent pages."""

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
