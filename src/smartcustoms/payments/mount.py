"""Adds the payment and means-of-payment routes (API and console pages) to the app."""

from __future__ import annotations

from fastapi import FastAPI


def mount_payments(app: FastAPI) -> None:
    from smartcustoms.meansofpayment.api import officer_router as mop_officer_router
    from smartcustoms.meansofpayment.api import router as mop_router
    from smartcustoms.payments.api import officer_router, router

    app.include_router(router)
    app.include_router(officer_router)
    app.include_router(mop_router)
    app.include_router(mop_officer_router)
    # Console pages before the console's own router is mounted (same /console prefix, distinct paths).
    from smartcustoms.payments.console import public_router
    from smartcustoms.payments.console import router as console_router

    app.include_router(console_router)
    app.include_router(public_router)
