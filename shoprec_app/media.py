"""HTTP routes beside the Reflex app: product photos from disk, and a health check."""

from __future__ import annotations

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from shoprec_app.db import get_engine
from shoprec_app.settings import get_settings


class CachedStaticFiles(StaticFiles):
    """Static files with a cache lifetime, so browsers do not re-ask for every photo."""

    async def get_response(self, path, scope):  # noqa: ANN001
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=3600"
        return response


async def health(_request: Request) -> JSONResponse:
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        return JSONResponse({"status": "unhealthy", "database": str(error)}, status_code=503)
    return JSONResponse({"status": "ok"})


def api_routes() -> Starlette:
    media_dir = get_settings().media_dir
    media_dir.mkdir(parents=True, exist_ok=True)
    return Starlette(
        routes=[
            Route("/healthz", health),
            Mount("/media", CachedStaticFiles(directory=media_dir), name="media"),
        ]
    )
