"""The reply path: a durable message back to the web backends, which push the result.

Workers send `deliver(request_id)` to the replies queue; each Reflex backend process runs a
Dramatiq worker thread on that queue and installs a handler that pushes the stored result
into the shopper's open page. RabbitMQ keeps the message while no backend is up.
"""

from __future__ import annotations

from collections.abc import Callable

import dramatiq

from actors.broker import REPLY_QUEUE

_handler: Callable[[str], None] | None = None


def set_handler(handler: Callable[[str], None] | None) -> None:
    """Install the function that pushes a finished request to its page (web backend only)."""
    global _handler
    _handler = handler


@dramatiq.actor(queue_name=REPLY_QUEUE, max_retries=5, min_backoff=200, max_backoff=5_000, max_age=120_000)
def deliver(request_id: str) -> None:
    if _handler is None:
        raise RuntimeError("this process has no reply handler: only web backends consume the replies queue")
    _handler(request_id)
