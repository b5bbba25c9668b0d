"""The broker every actor is declared on: RabbitMQ when configured, else an in-process stub.

Imported before any actor module, because Dramatiq binds actors to the global broker at
declaration. The embedded mode (StubBroker and a Worker inside the web process) and the
deployed mode (RabbitMQ and `dramatiq` worker processes) run the same actors.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Retries

from actors.middleware import FailedRequests
from shoprec_app.settings import get_settings

RECOMMEND_QUEUE = "recommendations"
CATALOG_QUEUE = "catalog"
REPLY_QUEUE = "replies"


def make_broker(url: str | None) -> dramatiq.Broker:
    # confirm_delivery: a send returns only once RabbitMQ has the message, so none is lost silently.
    broker = RabbitmqBroker(url=url, confirm_delivery=True) if url else StubBroker()
    # Dramatiq runs after_* hooks in reverse order: placed before Retries, FailedRequests runs
    # after it and so sees `message.failed` once Retries has given up on a message.
    broker.add_middleware(FailedRequests(), before=Retries)
    return broker


broker = make_broker(get_settings().broker_url)
embedded = isinstance(broker, StubBroker)
dramatiq.set_broker(broker)
