"""Closing a socket when the credential it was opened with expires, by a clock it is handed."""

import asyncio
from collections.abc import Awaitable, Callable

from accounts.clock import Clock


class CredentialExpiry:
    def __init__(self, clock: Clock, on_expired: Callable[[], Awaitable[None]]):
        self.clock = clock
        self.on_expired = on_expired
        self.timer: asyncio.Task | None = None
        # Set once the credential is revoked: no refresh brings it back.
        self.revoked = False

    def expire_at(self, expires_at: float | None) -> None:
        """From now on the credential expires at `expires_at` (Unix time), or never if None."""
        if self.revoked:
            return
        self.cancel()
        if expires_at is not None:
            self.timer = asyncio.create_task(self.expire(expires_at))

    def revoke(self) -> None:
        self.expire_at(float("-inf"))
        self.revoked = True

    async def expire(self, expires_at: float) -> None:
        await self.clock.sleep_until(expires_at)
        await self.on_expired()

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
