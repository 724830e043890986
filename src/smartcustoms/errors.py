"""One error hierarchy; each error knows its HTTP status and names the field and reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    """One problem with one input field (dotted path, e.g. lines.0.hs_code)."""

    field: str
    reason: str
    code: str = "invalid"

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason, "code": self.code}


@dataclass
class SmartCustomsError(Exception):
    """Base of every error the platform raises on purpose."""

    message: str
    errors: list[FieldError] = field(default_factory=list)
    status_code: int = 400
    code: str = "bad_request"

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": self.code,
            "message": self.message,
            "errors": [e.to_dict() for e in self.errors],
        }


class ValidationFailed(SmartCustomsError):
    """Input is well-formed but breaks a rule (unknown code, no rate for the week ...)."""

    def __init__(self, errors: list[FieldError], message: str | None = None) -> None:
        msg = message or "; ".join(f"{e.field}: {e.reason}" for e in errors)
        super().__init__(msg, errors, 422, "validation_failed")


class NotFound(SmartCustomsError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found", [], 404, "not_found")


class Unauthorized(SmartCustomsError):
    def __init__(self, message: str = "missing or invalid credentials") -> None:
        super().__init__(message, [FieldError("Authorization", message, "unauthorized")], 401, "unauthorized")


class Forbidden(SmartCustomsError):
    def __init__(self, message: str) -> None:
        super().__init__(message, [], 403, "forbidden")


class Conflict(SmartCustomsError):
    """The request is valid but the resource's state does not allow it."""

    def __init__(self, message: str, field_name: str = "status", code: str = "conflict") -> None:
        super().__init__(message, [FieldError(field_name, message, code)], 409, code)


class PreconditionFailed(SmartCustomsError):
    def __init__(self, message: str) -> None:
        super().__init__(message, [FieldError("If-Match", message, "version_mismatch")], 412, "precondition_failed")
