"""Demo passenger declarations: one for the e-gate, one over the allowances, one family with cash to declare."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from smartcustoms.db import utcnow
from smartcustoms.travellers import service
from smartcustoms.travellers.schemas import PassengerDeclarationIn


def seed(session: Session) -> list[str]:
    """Three declarations arriving today (Japan time); returns their numbers."""
    today = utcnow().astimezone(service.JST).date()
    base = {"nationality": "JP", "flight": "NH204", "arrival_date": today.isoformat()}
    bodies = [
        {**base, "family_name": "Suzuki", "given_name": "Ichiro", "passport_number": "TK1234567",
         "date_of_birth": "1979-06-02",
         "goods": {"alcohol_bottles": 2, "cigarettes": 200,
                   "other_goods": [{"description": "Handbag", "value_jpy": 85_000}]}},
        {**base, "family_name": "Lee", "given_name": "Minji", "nationality": "KR", "passport_number": "M12345678",
         "date_of_birth": "1990-11-20", "flight": "KE705",
         "goods": {"alcohol": [{"kind": "whisky_brandy", "bottles": 5, "ml_per_bottle": 700}], "cigarettes": 400,
                   "other_goods": [{"description": "Watch", "value_jpy": 320_000},
                                   {"description": "Camera", "value_jpy": 150_000},
                                   {"description": "T-shirt", "kind": "clothing", "quantity": 3, "value_jpy": 2_500}]}},
        {**base, "family_name": "Tanaka", "given_name": "Yoko", "passport_number": "TZ7654321",
         "date_of_birth": "1984-02-14", "means_of_payment_over_limit": True,
         "family_members": [{"family_name": "Tanaka", "given_name": "Ken", "date_of_birth": "1982-09-01"},
                            {"family_name": "Tanaka", "given_name": "Sora",
                             "date_of_birth": (today - timedelta(days=365 * 8)).isoformat()}],
         "goods": {"other_goods": [{"description": "Laptop", "value_jpy": 180_000},
                                   {"description": "Coat", "value_jpy": 160_000}]}},
    ]
    return [service.declare(session, PassengerDeclarationIn.model_validate(b), actor="demo").id for b in bodies]
