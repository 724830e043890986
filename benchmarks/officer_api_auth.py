"""What an officer API request costs with its HTTP Basic credentials verified by Argon2 every time, against the same
request once the credentials are remembered (identity/verified.py).

    .venv/bin/python benchmarks/officer_api_auth.py --requests 40

A fresh SQLite database with one officer; a risk unit's script calls `GET /api/v1/officer/ecommerce/totals` (the
lightest officer route: what is left is the authentication) REQUESTS times in a row through the app in process
(Starlette's TestClient, no network), first with every verification made (the cache turned off), then as the API
runs. Prints the requests per second and the mean and p95 latency of each, and the Argon2 verifications made.
"""

from __future__ import annotations

import argparse
import base64
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from machine_reference import describe as machine_reference
from sqlalchemy.orm import Session

from smartcustoms import migrate
from smartcustoms.app import create_app
from smartcustoms.db import make_engine
from smartcustoms.identity import service, verified

PASSWORD = "benchmark passphrase"


def run(client: TestClient, header: dict[str, str], requests: int) -> list[float]:
    took = []
    for _ in range(requests):
        start = time.perf_counter()
        r = client.get("/api/v1/officer/ecommerce/totals", headers=header)
        took.append(time.perf_counter() - start)
        if r.status_code != 200:
            raise SystemExit(f"officer API answered {r.status_code}: {r.text}")
    return took


def report(name: str, took: list[float], checks: int) -> None:
    p95 = sorted(took)[max(0, int(len(took) * 0.95) - 1)]
    print(f"{name:<28} {len(took) / sum(took):8.1f} requests/s   mean {statistics.mean(took) * 1000:7.1f} ms   "
          f"p95 {p95 * 1000:7.1f} ms   Argon2 verifications {checks}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=40)
    args = ap.parse_args()
    print(machine_reference())
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'auth.db'}")
        migrate.upgrade(engine)
        with Session(engine) as s, s.begin():
            service.create_officer(s, "bench", PASSWORD, "officer")
        header = {"Authorization": "Basic " + base64.b64encode(f"bench:{PASSWORD}".encode()).decode()}
        checks = [0]
        real = service._hasher

        class Counted:
            def verify(self, stored: str, password: str) -> bool:
                checks[0] += 1
                return real.verify(stored, password)

            def __getattr__(self, name: str) -> object:
                return getattr(real, name)

        service._hasher = Counted()  # type: ignore[assignment]
        with TestClient(create_app(engine)) as client:
            run(client, header, 3)  # warm up
            seen = verified.seen
            verified.seen = lambda *a: False  # type: ignore[assignment]  # every request verified, as before
            checks[0] = 0
            report("verified every request", run(client, header, args.requests), checks[0])
            verified.seen = seen  # type: ignore[assignment]
            checks[0] = 0
            report("remembered (as it runs)", run(client, header, args.requests), checks[0])
        engine.dispose()


if __name__ == "__main__":
    main()
