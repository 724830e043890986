"""Imports every domain's tables so Base.metadata knows them all (migrations, tests)."""

from smartcustoms.audit import models as audit_models
from smartcustoms.declarations import models as declaration_models
from smartcustoms.ecommerce import models as ecommerce_models
from smartcustoms.exports import models as export_models
from smartcustoms.housekeeping import models as housekeeping_models
from smartcustoms.identity import models as identity_models
from smartcustoms.meansofpayment import models as mop_models
from smartcustoms.payments import models as payment_models
from smartcustoms.reference import models as reference_models
from smartcustoms.risk import models as risk_models
from smartcustoms.screening import models as screening_models
from smartcustoms.tariff import models as tariff_models
from smartcustoms.travellers import models as traveller_models

__all__ = [
    "audit_models",
    "declaration_models",
    "ecommerce_models",
    "export_models",
    "housekeeping_models",
    "identity_models",
    "mop_models",
    "payment_models",
    "reference_models",
    "risk_models",
    "screening_models",
    "tariff_models",
    "traveller_models",
]
