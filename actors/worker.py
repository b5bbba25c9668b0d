"""Entry point for worker processes: `dramatiq actors.worker --queues recommendations catalog`.

Importing this module declares every actor on the configured broker. The model itself is
loaded on the first request a process handles, then kept for the life of the process.
"""

import logging

from actors import catalog, recommend, replies  # noqa: F401 - declares the actors
from actors.broker import broker  # noqa: F401 - the dramatiq CLI finds the broker here

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
