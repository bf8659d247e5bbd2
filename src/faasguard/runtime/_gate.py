"""The `Gate` protocol every access-control stage implements (typing, so loaded on demand)."""

from __future__ import annotations

from typing import Protocol

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._gates import Access
    from ._view import Message, Request


class Gate(Protocol):
    """One access-control stage. A check raises `Rejection` to refuse; it may set
    `access.identity` (authentication) and emit security events through `access.emit`."""

    def check_request(self, request: Request, access: Access) -> None: ...

    def check_message(self, message: Message, access: Access) -> None: ...
