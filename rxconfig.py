"""Reflex configuration, derived from ShopRec's environment settings."""

import reflex as rx

from shoprec_app.settings import get_settings

settings = get_settings()

config = rx.Config(
    app_name="shoprec_app",
    telemetry_enabled=False,
    # With Redis, any number of backend workers share shoppers' states; alone, memory is enough.
    redis_url=settings.redis_url,
    state_manager_mode="redis" if settings.redis_url else "memory",
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(appearance="light", accent_color="teal", gray_color="sand", radius="large"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
