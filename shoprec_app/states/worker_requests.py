"""Asking the workers: create a request row, send its id, and survive a dead broker."""

from __future__ import annotations

import logging

from shoprec_app.db import session_scope
from shoprec_app.services import recommendations

logger = logging.getLogger(__name__)


def request_recommendations(kind: str, **fields) -> tuple[str, str]:
    """(request id, error): the request is stored, then sent; a send failure marks it failed."""
    from actors.recommend import recommend

    with session_scope() as session:
        request_id = recommendations.create_request(session, kind, **fields).id
    try:
        recommend.send(request_id)
    except Exception as error:  # noqa: BLE001 - a dead broker must not break the page
        logger.error("could not send request %s: %s", request_id, error)
        with session_scope() as session:
            recommendations.fail(session, request_id, recommendations.UNAVAILABLE)
        return request_id, recommendations.UNAVAILABLE
    return request_id, ""


def load_view(request_id: str) -> recommendations.RecommendationView | None:
    with session_scope() as session:
        request = session.get(recommendations.RecommendationRequest, request_id)
        return recommendations.view(session, request) if request else None
