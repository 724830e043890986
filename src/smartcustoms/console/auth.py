"""Console login state: the officer in the signed session cookie, the CSRF token, the language."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.console import i18n
from smartcustoms.deps import ReadSessionDep, SessionDep
from smartcustoms.identity.models import ROLE_RANK, Officer

PREFIX = "/console"
LOGIN_PATH = f"{PREFIX}/login"
OFFICER_KEY, CSRF_KEY, LANG_KEY, FLASH_KEY = "officer", "csrf", "lang", "flash"


class LoginRequired(Exception):
    """No active officer in the session: the handler sends the browser to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__("login required")
        self.next_path = next_path


class CsrfFailed(Exception):
    """A form came without the session's CSRF token."""


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a form whose token (field csrf_token or header X-CSRF-Token) is not the session's."""
    expected = request.session.get(CSRF_KEY)
    given = submitted or request.headers.get("x-csrf-token") or ""
    if not isinstance(expected, str) or not expected or not secrets.compare_digest(expected, given):
        raise CsrfFailed()


def lang_of(request: Request) -> str:
    """?lang= (remembered in the session), else the session's choice, else Accept-Language."""
    asked = request.query_params.get("lang")
    if asked in i18n.LANGS:
        request.session[LANG_KEY] = asked
        return asked
    stored = request.session.get(LANG_KEY)
    if stored in i18n.LANGS:
        return str(stored)
    return i18n.negotiate(request.headers.get("accept-language"))


def safe_next(target: str | None) -> str:
    """A console path to go back to after login; anything else (other hosts, odd paths) goes to the dashboard."""
    if not target:
        return f"{PREFIX}/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or target.startswith("//"):
        return f"{PREFIX}/"
    if not (parts.path == PREFIX or parts.path.startswith(f"{PREFIX}/")) or parts.path.startswith(LOGIN_PATH):
        return f"{PREFIX}/"
    return target


def login_url(next_path: str | None = None) -> str:
    return f"{LOGIN_PATH}?{urlencode({'next': next_path})}" if next_path else LOGIN_PATH


def log_in(request: Request, officer: Officer) -> None:
    """Start a fresh session for the officer (new CSRF token; the language choice is kept)."""
    lang = request.session.get(LANG_KEY)
    request.session.clear()
    request.session[OFFICER_KEY] = officer.username
    if lang in i18n.LANGS:
        request.session[LANG_KEY] = lang
    csrf_token(request)


def log_out(request: Request) -> None:
    lang = request.session.get(LANG_KEY)
    request.session.clear()
    if lang in i18n.LANGS:
        request.session[LANG_KEY] = lang


def current_officer(request: Request, session: SessionDep) -> Officer:
    """The logged-in officer, looked up again on every request so a disabled account is locked out at once."""
    return _officer(request, session)


def reading_officer(request: Request, session: ReadSessionDep) -> Officer:
    """`current_officer` for a page that only reads (looked up on its read session)."""
    return _officer(request, session)


def _officer(request: Request, session: Session) -> Officer:
    username = request.session.get(OFFICER_KEY)
    officer = (
        session.scalar(select(Officer).where(Officer.username == username)) if isinstance(username, str) else None
    )
    if officer is None or not officer.active:
        request.session.pop(OFFICER_KEY, None)
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path if request.method == "GET" else f"{PREFIX}/")
    return officer


def is_supervisor(officer: Officer) -> bool:
    return ROLE_RANK.get(officer.role, 0) >= ROLE_RANK["supervisor"]


OfficerDep = Annotated[Officer, Depends(current_officer)]
ReadOfficerDep = Annotated[Officer, Depends(reading_officer)]
