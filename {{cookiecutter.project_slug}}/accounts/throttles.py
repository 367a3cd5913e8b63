"""Throttles: against password guessing, checked before any password is hashed, and on writes.

Every failed login (REST and the Django admin) counts against its client address and against
the username it tried: each attempt takes its places before its password is hashed, and one that
succeeds gives them back (accounts/backends.py), so that a team behind one NAT address signing
in at nine is not taken for a guesser. Registration counts against its address. The client
address is REMOTE_ADDR (REST_FRAMEWORK["NUM_PROXIES"] = 0): the ASGI server rewrites it from
X-Forwarded-For only for the proxies it trusts, so a client cannot pick its own.
"""

import hashlib
import ipaddress
import logging
import math
import unicodedata
from contextlib import suppress
from functools import wraps

from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from core.outages import OUTAGES

logger = logging.getLogger(__name__)
# Each process's own counts, while the shared cache is out of reach.
COUNTS_WHILE_THE_CACHE_FAILS = LocMemCache("throttles-while-the-cache-fails", {})


class LiveRateThrottle(SimpleRateThrottle):
    """A throttle whose rate is read from the settings at each request, and whose count no
    requests sent at once can overshoot.

    DRF copies DEFAULT_THROTTLE_RATES once, at import: settings overridden later (tests
    of the production rates) would not reach its throttles. DRF counts by reading a
    request's history from the cache and writing it back, so that requests handled at once
    all read the same count (300 at once passed a limit of 120 per minute 242 times). Here
    each request takes its place in one atomic step (cache.incr), in a count per window of
    the rate's length; the window before weighs in for the part of it that is still within
    one length of now (a sliding window, without a history per client). A refused request
    does not count. While the shared cache (Redis) is out of reach, each process counts on its
    own, as the socket's limits do: a logout or a send still goes through, and guesses are
    still limited.
    """

    @property
    def THROTTLE_RATES(self) -> dict:  # the attribute SimpleRateThrottle reads
        return api_settings.DEFAULT_THROTTLE_RATES

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        try:
            allowed = self.count_in(self.cache)
        except OUTAGES as error:
            logger.warning(
                "throttle %s: the cache is out of reach (%r): counting here", self.scope, error
            )
            allowed = self.count_in(COUNTS_WHILE_THE_CACHE_FAILS)
        return allowed

    def count_in(self, counts) -> bool:
        """Take the request's place in `counts` (a cache), if the rate allows it."""
        window = math.floor(self.now / self.duration)
        self.counted, before = f"{self.key}:{window}", f"{self.key}:{window - 1}"
        self.counted_in = counts
        self.count = self.take_place(counts)
        self.count_before = counts.get(before, 0)
        self.into_window = (self.now - window * self.duration) / self.duration  # 0 to 1
        # The window before's share is an estimate: a rounding error refuses nobody.
        share_before = self.count_before * (1 - self.into_window)
        if self.count + share_before > self.num_requests + 1e-9:
            with suppress(ValueError):  # the count is gone already (evicted): nothing to undo
                counts.decr(self.counted)
            self.count -= 1
            return False
        return True

    def take_place(self, counts) -> int:
        """Count the request in this window's count, made if need be; the count it makes."""
        # Kept until the next window has ended too: it is that window's "before".
        kept = 2 * self.duration + 1
        counts.add(self.counted, 0, kept)
        try:
            return counts.incr(self.counted)
        except ValueError:
            # Gone between the two steps (evicted, or a Redis restarted): counting from the
            # start again, as the cache now holds nothing of this window.
            counts.add(self.counted, 0, kept)
            return counts.incr(self.counted)

    def wait(self) -> float:
        """Seconds until a request would pass, at the least 1."""
        if self.count < self.num_requests:
            # Once enough of the window before has slid out of reach.
            slide = 1 - (self.num_requests - self.count - 1) / max(self.count_before, 1)
            seconds = (slide - self.into_window) * self.duration
        else:
            # In the next window, once enough of this one has slid out of reach.
            slide = 1 - (self.num_requests - 1) / self.count
            seconds = (1 - self.into_window + slide) * self.duration
        return max(seconds, 1)


class CountingFailedLogins(LiveRateThrottle):
    """A throttle whose count a login that succeeds leaves: each attempt takes its place in the
    count before any password is hashed, in one atomic step, so that guesses sent at once
    cannot all pass the check, and gives it back once it succeeds (give_back)."""

    def allow_request(self, request, view) -> bool:
        allowed = super().allow_request(request, view)
        if allowed and self.rate is not None and self.key is not None:
            setattr(request, self.reserved_as(), (self.counted_in, self.counted))
        return allowed

    @classmethod
    def reserved_as(cls) -> str:
        """The request's attribute holding where its attempt was counted."""
        return f"login_attempt_counted_by_{cls.scope}"

    @classmethod
    def give_back(cls, request) -> None:
        """A login that succeeded: its attempt was no guess."""
        reserved = getattr(request, cls.reserved_as(), None)
        if reserved is not None:
            delattr(request, cls.reserved_as())
            counts, counted = reserved
            with suppress(ValueError, *OUTAGES):  # its window is long gone; the cache with it
                counts.decr(counted)


class LoginAddressThrottle(CountingFailedLogins):
    """Failed logins, and registrations, per client address: an IPv6 client's /64 network, as
    one machine or home holds all of it. A registration, or a password checked to change it or
    delete the account, gives no place back."""

    scope = "auth"
    # Set on a request this throttle refused: the throttles after it need not count it.
    REFUSED = "login_refused_by_its_address"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_network(request, self)}

    def allow_request(self, request, view) -> bool:
        allowed = super().allow_request(request, view)
        if not allowed:
            setattr(request, self.REFUSED, True)
        return allowed


def client_network(request, throttle: LiveRateThrottle) -> str:
    """The client's address, or for IPv6 its /64 network."""
    address = throttle.get_ident(request)
    with suppress(ValueError):
        parsed = ipaddress.ip_address(address)
        if parsed.version == 6 and not parsed.ipv4_mapped:
            return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address


class LoginAccountThrottle(CountingFailedLogins):
    """Failed logins per username, from every address together: guessing one account's
    password from many addresses is limited too. The cost: someone who keeps guessing keeps
    that account's owner from logging in until they stop. The owner signing in, tab after
    tab, is not guessing."""

    scope = "auth_account"

    def get_cache_key(self, request, view) -> str | None:
        if getattr(request, LoginAddressThrottle.REFUSED, False):
            # Refused already: a count per username it named would only fill the cache.
            return None
        data = request.data if isinstance(request, Request) else request.POST
        username = data.get("username") if hasattr(data, "get") else None
        if not isinstance(username, str) or not username:
            return None  # no password can be tried without a username
        # As the login's field reads it (whitespace stripped, Unicode normalized), then
        # case-folded: " alice", "Alice" and alice in fullwidth letters share alice's count,
        # where each had a count of its own and " alice " still logged in as alice. Hashed,
        # so that any username makes a valid cache key. Marks then go: a database may fold
        # the dotted capital I to a plain i (PostgreSQL), where Python folds it to i and a
        # dot, and the two would have had a count each.
        folded = unicodedata.normalize("NFKC", username.strip()).casefold()
        folded = unicodedata.normalize("NFKD", folded)
        same_user = "".join(char for char in folded if not unicodedata.combining(char))
        digest = hashlib.sha256(same_user.encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


LOGIN_THROTTLES = [LoginAddressThrottle, LoginAccountThrottle]


class WriteRateThrottle(LiveRateThrottle):
    """Changes (POST, PUT, PATCH, DELETE) per signed-in user, on every endpoint that has no
    throttles of its own: one user cannot flood the API, and the rooms, with changes."""

    scope = "writes"

    def get_cache_key(self, request, view) -> str | None:
        if request.method in SAFE_METHODS or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


def throttle_login_view(view):
    """The login throttles for a plain Django login view (the admin's), on its POSTs."""

    @wraps(view)
    def throttled(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST":
            for throttle in (throttle_class() for throttle_class in LOGIN_THROTTLES):
                if not throttle.allow_request(request, None):
                    response = HttpResponse(
                        "Too many login attempts: try again later.\n",
                        status=429,
                        content_type="text/plain",
                    )
                    response["Retry-After"] = str(math.ceil(throttle.wait() or 1))
                    return response
        return view(request, *args, **kwargs)

    return throttled


class UserSearchThrottle(LiveRateThrottle):
    """Directory searches (every page counts) per signed-in user: with the shortest query
    and the page size bounded too, listing every account takes hours, not seconds."""

    scope = "user_search"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class MessageSearchThrottle(LiveRateThrottle):
    """Message searches (every page counts) per signed-in user: a search matching most of a
    large room costs the database a read of all of it, at any page size."""

    scope = "message_search"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
