"""The records every dataset reader produces, whatever the shop's own layout.

Readers never raise on a bad row: they record a `RowProblem` with the file and line
number and go on, so one broken line never costs the good rows around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class RowProblem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class ItemRecord:
    item_id: str
    title: str
    description: str = ""
    category: str = ""
    price: float | None = None
    # Absolute path of a readable image, or None when the item has none (or it was broken).
    image_path: Path | None = None
    # Extra attributes a layout offers (colour, product type, department, ...), used for text features.
    attributes: dict[str, str] = field(default_factory=dict)
    line: int = 0

    def text(self) -> str:
        """One string describing the item, for text encoders and keyword features."""
        parts = [self.title, self.category, *self.attributes.values(), self.description]
        return ". ".join(p.strip() for p in parts if p and p.strip())


@dataclass
class InteractionRecord:
    user_id: str
    item_id: str
    timestamp: datetime  # timezone-aware, UTC
    rating: float | None = None
    kind: str = "interaction"
    line: int = 0


@dataclass
class Dataset:
    name: str
    root: Path
    items: list[ItemRecord]
    interactions: list[InteractionRecord]
    problems: list[RowProblem] = field(default_factory=list)
