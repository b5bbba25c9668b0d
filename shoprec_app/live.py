"""Live results: the reply consumer inside each Reflex backend process.

A Dramatiq worker thread consumes the replies queue and pushes each finished request into
the state of the browser tab that asked for it (app.modify_state, through Redis when
several backends run). In the embedded mode the same worker also runs the recommendation
actors, so one process does everything with the very same code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import dramatiq
import reflex as rx

from shoprec_app.db import session_scope
from shoprec_app.models import RecommendationRequest

logger = logging.getLogger(__name__)
PUSH_TIMEOUT_SECONDS = 30


async def push_result(request_id: str) -> None:
    from shoprec_app.shoprec_app import app
    from shoprec_app.states.recommendations import state_for_kind

    with session_scope() as session:
        request = session.get(RecommendationRequest, request_id)
        if request is None or not request.client_token:
            return
        kind, client_token = request.kind, request.client_token
    state_class = state_for_kind(kind)
    async with app.modify_state(rx.BaseStateToken(ident=client_token, cls=state_class)) as root:
        state = await root.get_state(state_class)
        state._apply_result(request_id)


@contextlib.asynccontextmanager
async def reply_consumer():
    """Lifespan task: consume replies (and, embedded, every queue) while the backend runs."""
    from actors import catalog, recommend, replies  # noqa: F401 - declares the actors
    from actors.broker import REPLY_QUEUE, broker, embedded

    loop = asyncio.get_running_loop()

    def handle(request_id: str) -> None:
        asyncio.run_coroutine_threadsafe(push_result(request_id), loop).result(timeout=PUSH_TIMEOUT_SECONDS)

    replies.set_handler(handle)
    worker = dramatiq.Worker(broker, queues=None if embedded else {REPLY_QUEUE}, worker_threads=2 if embedded else 4)
    worker.start()
    if embedded:
        # Products imported since the model was trained get their vectors (a no-op otherwise).
        catalog.embed_new_products.send()
    logger.info("reply consumer started (%s)", "embedded: all queues" if embedded else "replies queue")
    try:
        yield
    finally:
        await asyncio.to_thread(worker.stop)
        replies.set_handler(None)
