"""Dramatiq broker and actors. Modules here import `ml` only inside actors, never at import,
so the web backend can import an actor to `.send()` it without loading torch."""
