"""The recommendation pipeline in one process, as the embedded shop runs it: StubBroker, an
in-process Dramatiq worker, SQLite, and a real model trained on the demo catalog.

Shows what the workers promise: a shelf without the shopper's likes and with reasons, one
stored result per request, new products recommendable and searchable without a restart,
and a new model version picked up by a running worker.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import dramatiq
import pytest
from sqlmodel import Session, select

from ml.datasets.demo import generate_demo_catalog
from shoprec_app import migrations
from shoprec_app.db import get_engine, session_scope
from shoprec_app.models import Like, Product, ProductVector, RecommendationRequest, User
from shoprec_app.services import recommendations
from shoprec_app.services.importer import import_path
from shoprec_app.settings import get_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A migrated SQLite shop with the demo catalog and a model trained on it."""
    from ml.workflows import train_and_save

    root = tmp_path_factory.mktemp("live")
    catalog = generate_demo_catalog(root / "catalog")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOPREC_HOME", str(root / "home"))
        patch.setenv("SHOPREC_DATABASE_URL", f"sqlite:///{root / 'home' / 'shop.db'}")
        patch.setenv("SHOPREC_ARTIFACTS", str(root / "artifacts"))
        patch.delenv("SHOPREC_BROKER_URL", raising=False)
        get_settings.cache_clear()
        get_engine.cache_clear()
        migrations.upgrade()
        with session_scope() as session:
            import_path(session, catalog, "generic", get_settings().media_dir, progress=False)
        train_and_save(catalog, "generic", root / "artifacts", progress=False)
        from actors.recommend import model_store

        model_store.cache_clear()
        yield root
        model_store.cache_clear()
        get_engine().dispose()
        get_settings.cache_clear()
        get_engine.cache_clear()


@pytest.fixture
def worker(shop) -> Iterator[list[str]]:
    """An in-process worker on the stub broker; yields the request ids replied to."""
    from actors import catalog, recommend, replies  # noqa: F401 - declares the actors
    from actors.broker import broker, embedded

    assert embedded, "these tests run on the in-process StubBroker"
    replied: list[str] = []
    replies.set_handler(replied.append)
    worker = dramatiq.Worker(broker, worker_threads=1)
    worker.start()
    yield replied
    worker.stop()
    replies.set_handler(None)


def drain() -> None:
    from actors.broker import broker

    for queue in ("catalog", "recommendations", "replies"):
        broker.join(queue, fail_fast=True)


def new_shopper(session: Session, liked_external_ids: list[str]) -> int:
    user = User(email=f"shopper{len(session.exec(select(User)).all())}@example.com", password_hash="x")
    session.add(user)
    session.flush()
    for external_id in liked_external_ids:
        product = session.exec(select(Product).where(Product.external_id == external_id)).one()
        session.add(Like(user_id=user.id, product_id=product.id))
    return user.id


def ask(kind: str, **fields) -> str:
    from shoprec_app.states.worker_requests import request_recommendations

    request_id, error = request_recommendations(kind, **fields)
    assert error == ""
    drain()
    return request_id


def stored(request_id: str) -> RecommendationRequest:
    with session_scope() as session:
        return session.get(RecommendationRequest, request_id)


def test_a_shelf_leaves_out_likes_and_explains_each_pick(worker) -> None:
    liked = ["demo-0003", "demo-0009", "demo-0015"]  # three pairs of shoes
    with session_scope() as session:
        user_id = new_shopper(session, liked)
        liked_ids = set(session.exec(select(Product.id).where(Product.external_id.in_(liked))).all())
        titles = set(session.exec(select(Product.title).where(Product.external_id.in_(liked))).all())
    request_id = ask("for_you", user_id=user_id, client_token="tab-1")
    result = stored(request_id)
    assert result.status == "done" and result.model_version != "no-model"
    assert result.items and not {item["product_id"] for item in result.items} & liked_ids
    assert all(item["reason"] in {f"Because you liked {t}" for t in titles} for item in result.items)
    assert request_id in worker


def test_a_shopper_without_likes_gets_popular_products_from_several_categories(worker) -> None:
    with session_scope() as session:
        user_id = new_shopper(session, [])
    result = stored(ask("for_you", user_id=user_id))
    with session_scope() as session:
        shown = recommendations.view(session, result)
    assert len({card.category for card in shown.cards}) >= 4
    assert all(card.reason.startswith("Popular in ") for card in shown.cards)


def test_a_redelivered_request_is_stored_once(worker) -> None:
    from actors.recommend import recommend

    with session_scope() as session:
        user_id = new_shopper(session, ["demo-0001"])
    request_id = ask("for_you", user_id=user_id)
    first = stored(request_id)
    recommend.fn(request_id)  # the same message again, as after a worker died before its ack
    again = stored(request_id)
    assert again.completed_at == first.completed_at and again.items == first.items


def test_search_by_meaning_finds_shoes_for_footwear_and_nothing_for_nonsense(worker) -> None:
    with session_scope() as session:
        found = recommendations.view(session, stored(ask("search", query="footwear")))
        nonsense = recommendations.view(session, stored(ask("search", query="zzzyxxq qwv")))
    assert found.cards and all(card.category == "Shoes" for card in found.cards[:5])
    assert nonsense.cards == []


def test_a_new_product_is_recommendable_and_searchable_without_a_restart(worker, shop) -> None:
    from actors.catalog import embed_new_products
    from actors.recommend import model_store

    model_store().check_every = 0.0  # workers look for new vectors every few seconds; here, at once
    with session_scope() as session:
        shoe = session.exec(select(Product).where(Product.external_id == "demo-0003")).one()
        session.add(Product(
            external_id="new-boots", title="Storm waterproof hiking boots", category="Shoes",
            description="Sturdy boots for wet trails and muddy hikes.", price=129.0, image_path=shoe.image_path,
        ))
    embed_new_products.send()
    drain()
    with session_scope() as session:
        product_id = session.exec(select(Product.id).where(Product.external_id == "new-boots")).one()
        assert session.get(ProductVector, (product_id, model_store().current(session).version)) is not None
        assert "new-boots" in model_store().current(session)
    result = stored(ask("search", query="boots for hiking in the rain"))
    assert product_id in [item["product_id"] for item in result.items[:3]]


def test_a_new_model_version_is_picked_up_by_a_running_worker(worker, shop) -> None:
    from actors.recommend import model_store

    store = model_store()
    with session_scope() as session:
        before = store.current(session).version
    artifacts = Path(get_settings().artifacts_dir)
    newer = artifacts / "99991231T000000Z-retrained"
    shutil.copytree(artifacts / before, newer)
    manifest = json.loads((newer / "manifest.json").read_text())
    manifest["version"] = newer.name
    (newer / "manifest.json").write_text(json.dumps(manifest))
    store.check_every = 0.0
    with session_scope() as session:
        user_id = new_shopper(session, ["demo-0002"])
    assert stored(ask("for_you", user_id=user_id)).model_version == newer.name != before
