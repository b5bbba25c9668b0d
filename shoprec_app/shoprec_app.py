"""The Reflex app: only assembles pages and routes; the logic lives in states and services."""

import reflex as rx

from shoprec_app.live import reply_consumer
from shoprec_app.media import api_routes
from shoprec_app.pages.account import login_page, register_page
from shoprec_app.pages.catalog import catalog_page
from shoprec_app.pages.likes import likes_page
from shoprec_app.pages.product import product_page
from shoprec_app.settings import get_settings
from shoprec_app.states.auth import AuthState
from shoprec_app.states.catalog import CatalogState
from shoprec_app.states.likes import LikesState
from shoprec_app.states.product import ProductState
from shoprec_app.states.recommendations import RecsState, SimilarState

get_settings().check_production_safety()

app = rx.App(api_transformer=api_routes())
app.register_lifespan_task(reply_consumer)
app.add_page(catalog_page, route="/", title="ShopRec", on_load=[CatalogState.load, LikesState.load_liked_ids, RecsState.load_shelf])
app.add_page(
    product_page,
    route="/product/[product_id]",
    title="Product · ShopRec",
    on_load=[ProductState.load, LikesState.load_liked_ids, SimilarState.load_similar],
)
app.add_page(login_page, route="/login", title="Log in · ShopRec", on_load=AuthState.clear_form)
app.add_page(register_page, route="/register", title="Sign up · ShopRec", on_load=AuthState.clear_form)
app.add_page(likes_page, route="/likes", title="My likes · ShopRec", on_load=[AuthState.require_login, LikesState.load_my_likes])
