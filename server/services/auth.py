"""Authentication (credentials -> Principal), tokens, and the admin operations on users.

Passwords are argon2 hashes; tokens are 256-bit random strings stored as SHA-256. Checks
that compare secrets use hmac.compare_digest or argon2's own constant-time verify.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

import argon2

from server.domain import limits
from server.domain import types as t
from server.domain.errors import InvalidArgument, NotFound, ResourceExhausted, Unauthenticated
from server.storage import admin as admin_repo
from server.storage import users as user_repo
from server.storage.cache import CacheRegistry
from server.storage.db import now_ms, write_transaction

DAY_MS = 24 * 3600 * 1000
DEFAULT_TOKEN_DAYS = 14
TOKEN_SCHEMES = ("token", "apitoken", "bearer")


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: int


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PasswordGuard:
    """Slows down password guessing per username: after `free` failures within `window_s`,
    each further attempt must wait 2, 4, 8 ... seconds (at most `max_delay_s`), even
    with the right password. In-process: each server keeps its own count."""

    def __init__(
        self, free: int = 5, window_s: float = 300.0, max_delay_s: float = 300.0, clock=time.monotonic
    ) -> None:
        self.free, self.window_s, self.max_delay_s, self.clock = free, window_s, max_delay_s, clock
        self._failures: dict[str, tuple[int, float, float]] = {}  # name -> (count, first, blocked until)
        self._lock = threading.Lock()

    def check(self, username: str) -> None:
        entry = self._failures.get(username)
        if entry and entry[2] > self.clock():
            wait = int(entry[2] - self.clock()) + 1
            raise ResourceExhausted(
                f"too many failed logins for '{username}'; retry in {wait} s",
                reason="TOO_MANY_ATTEMPTS",
                metadata={"retry_after_s": str(wait)},
            )

    def failed(self, username: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) > 100_000:
                self._failures.clear()
            count, first, _ = self._failures.get(username, (0, now, 0.0))
            if now - first > self.window_s:
                count, first = 0, now
            count += 1
            blocked = now + min(2.0 ** (count - self.free), self.max_delay_s) if count >= self.free else 0.0
            self._failures[username] = (count, first, blocked)

    def succeeded(self, username: str) -> None:
        self._failures.pop(username, None)


class AuthService:
    def __init__(
        self,
        caches: CacheRegistry,
        *,
        token_days: int = DEFAULT_TOKEN_DAYS,
        hasher: argon2.PasswordHasher | None = None,
    ) -> None:
        # caches.principals: resolved callers; caches.passwords: successful password
        # checks, so Basic auth is not one argon2 run (~50 ms, by design) per call.
        self.caches = caches
        self.token_days = token_days
        self.hasher = hasher or argon2.PasswordHasher()
        self.guard = PasswordGuard()
        # A fixed hash to verify against when the user does not exist, so a wrong
        # username costs the same time as a wrong password.
        self._dummy_hash = self.hasher.hash(secrets.token_hex(16))

    # ------------------------------------------------------------ authentication

    def authenticate(self, metadata: Mapping[str, str]) -> t.Principal:
        """Resolves the caller from gRPC metadata (lower-case keys); raises Unauthenticated."""
        api_key = metadata.get("argus-api-key")
        if api_key:
            return self._by_token(api_key.strip())
        header = metadata.get("authorization")
        if not header:
            raise Unauthenticated(
                "no credentials: send 'authorization: Token <token>', 'authorization: Basic …' "
                "or 'argus-api-key: <token>'",
                reason="CREDENTIALS_MISSING",
            )
        scheme, _, credentials = header.strip().partition(" ")
        scheme = scheme.lower()
        credentials = credentials.strip()
        if scheme in TOKEN_SCHEMES and credentials:
            return self._by_token(credentials)
        if scheme == "basic" and credentials:
            return self._by_basic(credentials)
        raise Unauthenticated(
            "unsupported authorization header: use 'Token <token>', 'ApiToken <token>' or 'Basic <base64>'",
            reason="CREDENTIALS_MALFORMED",
        )

    def _by_token(self, token: str) -> t.Principal:
        digest = hash_token(token)

        def load() -> tuple[t.Principal, int]:
            found = user_repo.find_token(digest)
            if found is None:
                raise Unauthenticated("invalid token", reason="TOKEN_INVALID")
            token_id, user_id, expires_at = found
            try:
                return user_repo.load_principal(user_id, token_id), expires_at
            except NotFound:  # the user was deleted meanwhile (its tokens with it)
                raise Unauthenticated("invalid token", reason="TOKEN_INVALID") from None

        principal, expires_at = self.caches.principals.get_or_load(digest, load)
        if expires_at <= now_ms():
            raise Unauthenticated("token expired; create a new one", reason="TOKEN_EXPIRED")
        return principal

    def _by_basic(self, credentials: str) -> t.Principal:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except ValueError:  # bad base64 (binascii.Error), non-ASCII text, or not UTF-8
            raise Unauthenticated("malformed Basic credentials", reason="CREDENTIALS_MALFORMED") from None
        username, sep, password = decoded.partition(":")
        if not sep:
            raise Unauthenticated("malformed Basic credentials", reason="CREDENTIALS_MALFORMED")
        user_id = self.check_password(username, password)
        try:
            principal, _ = self.caches.principals.get_or_load(
                ("user", user_id), lambda: (user_repo.load_principal(user_id), None)
            )
        except NotFound:  # deleted since its password was checked
            raise Unauthenticated("wrong username or password", reason="CREDENTIALS_INVALID") from None
        return principal

    def check_password(self, username: str, password: str) -> int:
        """Returns the user id; raises Unauthenticated on any mismatch."""
        cache_key = hashlib.sha256(f"{username}\0{password}".encode()).hexdigest()
        return self.caches.passwords.get_or_load(cache_key, lambda: self._verify(username, password))

    def _verify(self, username: str, password: str) -> int:
        self.guard.check(username)
        found = user_repo.find_user(username)
        stored = found[1] if found else self._dummy_hash
        try:
            self.hasher.verify(stored, password)
        except argon2.exceptions.VerificationError:
            found = None
        except argon2.exceptions.InvalidHashError:
            found = None
        if found is None:
            self.guard.failed(username)
            raise Unauthenticated("wrong username or password", reason="CREDENTIALS_INVALID")
        self.guard.succeeded(username)
        user_id = found[0]
        if self.hasher.check_needs_rehash(stored):
            user_repo.set_password_hash(user_id, self.hasher.hash(password))
        return user_id

    # -------------------------------------------------------------------- tokens

    def create_token(self, username: str, password: str) -> IssuedToken:
        if not username:
            raise InvalidArgument.for_field("username", "must not be empty")
        if not password:
            raise InvalidArgument.for_field("password", "must not be empty")
        return self.issue_token(self.check_password(username, password))

    def issue_token(self, user_id: int, days: int | None = None) -> IssuedToken:
        days = limits.check_range(self.token_days if days is None else days, "days", 1, limits.TOKEN_DAYS_MAX)
        # 256 bits as hex, like Django REST framework's keys: safe in a header, a URL and
        # as a command-line argument (urlsafe base64 may begin with '-', read as an option)
        token = secrets.token_hex(32)
        expires_at = now_ms() + days * DAY_MS
        user_repo.add_token(user_id, hash_token(token), expires_at)
        return IssuedToken(token, expires_at)

    def refresh_token(self, principal: t.Principal) -> IssuedToken:
        with write_transaction():
            if principal.token_id is not None:
                user_repo.delete_token(principal.token_id)
            issued = self.issue_token(principal.user_id)
        self.caches.principals.clear()  # the old token must stop working at once
        return issued

    def token_for_user(self, username: str, days: int | None = None) -> IssuedToken:
        return self.issue_token(user_repo.user_id_by_name(username), days)

    # --------------------------------------------------------------------- admin

    def add_user(
        self,
        username: str,
        password: str,
        *,
        customer_id: int = 1,
        admin: bool = False,
        global_data: bool = False,
    ) -> int:
        if not limits.USERNAME_RE.match(username or ""):
            raise InvalidArgument.for_field("username", "must be 1-150 letters, digits or @ . _ + -")
        if len(password or "") < 8:
            raise InvalidArgument.for_field("password", "must be at least 8 characters")
        if customer_id <= 0:
            raise InvalidArgument.for_field("customer", "must be a positive customer id (0 is 'global')")
        password_hash = self.hasher.hash(password)
        with write_transaction():
            user_repo.ensure_customer(customer_id)
            user_id = user_repo.add_user(username, password_hash, customer_id, admin, global_data)
        # SQLite may give a new user the id of a deleted one: forget what was cached of that.
        self.caches.principals.invalidate(("user", user_id))
        self.caches.user_refs.invalidate(user_id)
        return user_id

    def set_password(self, username: str, password: str) -> None:
        if len(password or "") < 8:
            raise InvalidArgument.for_field("password", "must be at least 8 characters")
        user_id = user_repo.user_id_by_name(username)
        user_repo.set_password_hash(user_id, self.hasher.hash(password))
        self.caches.callers_changed()

    def delete_user(self, username: str) -> None:
        admin_repo.delete_user(username)
        self.caches.users_deleted()

    def revoke_token(self, token: str) -> str:
        """Deletes a token; returns its user's name."""
        username = admin_repo.revoke_token(hash_token(token.strip()))
        self.caches.principals.clear()
        return username

    def add_group_member(self, group_name: str, username: str) -> None:
        user_repo.add_group_member(group_name, username)
        self.caches.principals.clear()


# Neither changes what a cache holds: only existing customers' names are cached, and a
# new group has no members.
def add_customer(customer_id: int, name: str) -> None:
    if customer_id <= 0:
        raise InvalidArgument.for_field("id", "must be positive (customer 0 'global' always exists)")
    if not name or len(name) > 200:
        raise InvalidArgument.for_field("name", "must be 1-200 characters")
    user_repo.add_customer(customer_id, name)


def add_group(name: str) -> None:
    if not limits.GROUP_NAME_RE.match(name or ""):
        raise InvalidArgument.for_field("name", "must be 1-128 letters, digits, spaces or . _ -")
    user_repo.add_group(name)
