"""Add the traveller domain to the app: public API, gate API, traveller pages, counter console, payment hook."""

from __future__ import annotations

from fastapi import FastAPI


def mount_travellers(app: FastAPI) -> None:
    from smartcustoms.travellers import counter
    from smartcustoms.travellers.api import router as api_router
    from smartcustoms.travellers.web import router as web_router

    app.include_router(api_router)
    app.include_router(web_router)
    try:
        from smartcustoms.travellers.counter_routes import router as counter_router

        app.include_router(counter_router)
    except ImportError:  # pragma: no cover - the counter pages are built after the traveller pages
        pass
    counter.register()
