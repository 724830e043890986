"""Mount the e-commerce API and officer pages on the app."""

from __future__ import annotations

from fastapi import FastAPI

from smartcustoms.ecommerce import api, cycle_gc

# Manifests stream in; their route enforces its own size limit (SMARTCUSTOMS_ECOMMERCE_MAX_MANIFEST_BYTES).
STREAMED_PREFIXES = (api.PREFIX,)


def mount_ecommerce(app: FastAPI) -> None:
    """The submitter API, the officer API and the officer console pages; the server process collects cyclic garbage
    as the intake wants from the start, not from its first manifest (cycle_gc.py)."""
    from smartcustoms.ecommerce.config import EcommerceSettings
    from smartcustoms.ecommerce.console import router as console_router
    from smartcustoms.ecommerce.officer_api import router as officer_router

    # Read afresh, not through get_ecommerce_settings: mounting must not fix the settings the requests read.
    cycle_gc.tune(EcommerceSettings().gc_threshold)

    app.include_router(api.router)
    app.include_router(api.parcels)
    app.include_router(officer_router)
    app.include_router(console_router)
