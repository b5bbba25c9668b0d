"""Plain functions over SQLModel sessions: the app's logic, kept apart from Reflex states."""
