"""Reflex states: thin handlers that resolve the shopper on the server and call services."""
