"""Readers that turn a shop's files into `Dataset` records.

Three layouts are understood: the project's generic layout (items.csv, interactions.csv,
images/), the H&M Kaggle layout (articles.csv, transactions.csv, images/<id>.jpg) and the
Amazon Reviews 2023 metadata layout (one JSON object per line). Every reader keeps the good
rows and records each bad one with its line number; none of them raises on bad data.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from ml.datasets.records import Dataset, InteractionRecord, ItemRecord, RowProblem

FORMATS = ("generic", "hm", "amazon2023")
# The shop stores an item's id in a column of this width; a longer id is a bad row, not a failed import.
MAX_ITEM_ID_LENGTH = 128

# Large description fields in real catalogs exceed csv's default 128 KiB field limit.
csv.field_size_limit(16 * 1024 * 1024)


def detect_format(path: Path) -> str:
    """Guess the layout of a dataset folder from the files it holds."""
    path = Path(path)
    if (path / "items.csv").exists():
        return "generic"
    if (path / "articles.csv").exists():
        return "hm"
    if path.suffix == ".jsonl" or list(path.glob("*.jsonl")):
        return "amazon2023"
    raise ValueError(
        f"{path}: no items.csv (generic), articles.csv (hm) or *.jsonl (amazon2023) found"
    )


def read_dataset(path: Path | str, fmt: str | None = None, check_images: bool = True) -> Dataset:
    """Read a dataset folder (or an Amazon .jsonl file) in the given or detected layout."""
    path = Path(path).expanduser().resolve()
    if not path.exists():
        raise FileNotFoundError(f"dataset not found: {path}")
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise ValueError(f"unknown dataset format {fmt!r}; expected one of {', '.join(FORMATS)}")
    reader = {"generic": _read_generic, "hm": _read_hm, "amazon2023": _read_amazon2023}[fmt]
    return reader(path, check_images)


def parse_timestamp(value: str) -> datetime:
    """Unix seconds or ISO-8601 (a bare date counts as midnight UTC); raises ValueError."""
    value = (value or "").strip()
    if not value:
        raise ValueError("empty timestamp")
    try:
        seconds = float(value)
    except ValueError:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if not math.isfinite(seconds):
        raise ValueError(f"not a finite number: {value!r}")
    return datetime.fromtimestamp(seconds, tz=UTC)


def parse_price(value: object) -> float | None:
    """A non-negative price, or None when absent or unreadable (prices are optional)."""
    if value is None:
        return None
    text = str(value).strip().lstrip("$€£").replace(",", "")
    if not text or text.lower() in {"none", "nan", "null"}:
        return None
    try:
        price = float(text)
    except ValueError:
        return None
    return price if math.isfinite(price) and price >= 0 else None


def check_image(path: Path) -> str | None:
    """Why an image cannot be used, or None when it is a readable picture."""
    if not path.is_file():
        return f"image not found: {path.name}"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        return f"unreadable image {path.name}: {error}"
    return None


class _LineCounter:
    """Feeds a file to csv, noting the physical line each row starts on.

    csv's own line_num is where a row ends, and blank lines it skips are invisible in it.
    """

    def __init__(self, handle: Iterator[str]) -> None:
        self._lines = iter(handle)
        self.number = 0
        self.row_start = 0  # 0 until the next row's first (non-blank) line has been read

    def __iter__(self) -> _LineCounter:
        return self

    def __next__(self) -> str:
        text = next(self._lines)
        self.number += 1
        if not self.row_start and text.strip("\r\n"):
            self.row_start = self.number
        return text


def _csv_rows(path: Path, problems: list[RowProblem]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV file with the physical line number each one starts on."""
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        lines = _LineCounter(handle)
        reader = csv.DictReader(lines)
        try:
            reader.fieldnames  # noqa: B018 - reads the header, so its line is not taken for a row's
            lines.row_start = 0
            for row in reader:
                line, lines.row_start = lines.row_start, 0
                if None in row:  # more fields than the header names
                    problems.append(RowProblem(path.name, line, "too many fields"))
                elif any(v is None for v in row.values()):
                    problems.append(RowProblem(path.name, line, "too few fields"))
                else:
                    yield line, {k.strip(): (v or "").strip() for k, v in row.items()}
        except csv.Error as error:
            line = lines.row_start or lines.number
            problems.append(RowProblem(path.name, line, f"malformed CSV: {error}; rest of file skipped"))


def _attach_image(item: ItemRecord, image: Path | None, check: bool, file: str, problems: list[RowProblem]) -> None:
    if image is None:
        return
    reason = check_image(image) if check else (None if image.is_file() else f"image not found: {image.name}")
    if reason:
        problems.append(RowProblem(file, item.line, f"item {item.item_id}: {reason} (item kept without image)"))
    else:
        item.image_path = image


def _add_item(item: ItemRecord, items: dict[str, ItemRecord], file: str, problems: list[RowProblem]) -> bool:
    if not item.item_id:
        problems.append(RowProblem(file, item.line, "missing item id"))
        return False
    if len(item.item_id) > MAX_ITEM_ID_LENGTH:
        problems.append(RowProblem(file, item.line, f"item id longer than {MAX_ITEM_ID_LENGTH} characters"))
        return False
    if not item.title:
        problems.append(RowProblem(file, item.line, f"item {item.item_id}: missing title"))
        return False
    if item.item_id in items:
        problems.append(RowProblem(file, item.line, f"duplicate item id {item.item_id} (first row kept)"))
        return False
    items[item.item_id] = item
    return True


def _read_interactions(
    path: Path,
    items: dict[str, ItemRecord],
    problems: list[RowProblem],
    parse: Callable[[dict[str, str]], tuple[str, str, str, str | None, str]],
) -> list[InteractionRecord]:
    interactions = []
    if not path.exists():
        return interactions
    for line, row in _csv_rows(path, problems):
        user_id, item_id, when, rating_text, kind = parse(row)
        if not user_id:
            problems.append(RowProblem(path.name, line, "missing user id"))
            continue
        if not item_id:
            problems.append(RowProblem(path.name, line, "missing item id"))
            continue
        if item_id not in items:
            problems.append(RowProblem(path.name, line, f"unknown item {item_id}"))
            continue
        try:
            timestamp = parse_timestamp(when)
        except (ValueError, OverflowError, OSError) as error:
            problems.append(RowProblem(path.name, line, f"bad timestamp {when!r}: {error}"))
            continue
        rating = None
        if rating_text:
            try:
                rating = float(rating_text)
            except ValueError:
                problems.append(RowProblem(path.name, line, f"bad rating {rating_text!r}"))
                continue
        interactions.append(InteractionRecord(user_id, item_id, timestamp, rating, kind, line))
    return interactions


def _read_generic(root: Path, check_images: bool) -> Dataset:
    problems: list[RowProblem] = []
    items: dict[str, ItemRecord] = {}
    for line, row in _csv_rows(root / "items.csv", problems):
        item = ItemRecord(
            item_id=row.get("item_id", ""),
            title=row.get("title", ""),
            description=row.get("description", ""),
            category=row.get("category", ""),
            price=parse_price(row.get("price")),
            line=line,
        )
        if _add_item(item, items, "items.csv", problems) and row.get("image"):
            _attach_image(item, root / row["image"], check_images, "items.csv", problems)
    interactions = _read_interactions(
        root / "interactions.csv",
        items,
        problems,
        lambda r: (r.get("user_id", ""), r.get("item_id", ""), r.get("timestamp", ""), r.get("rating") or None, r.get("kind") or "interaction"),
    )
    return Dataset(root.name, root, list(items.values()), interactions, problems)


_HM_ATTRIBUTES = {
    "product_type_name": "type",
    "colour_group_name": "colour",
    "graphical_appearance_name": "pattern",
    "department_name": "department",
    "index_group_name": "section",
}


def _read_hm(root: Path, check_images: bool) -> Dataset:
    problems: list[RowProblem] = []
    items: dict[str, ItemRecord] = {}
    for line, row in _csv_rows(root / "articles.csv", problems):
        item = ItemRecord(
            item_id=row.get("article_id", ""),
            title=row.get("prod_name", ""),
            description=row.get("detail_desc", ""),
            category=row.get("product_group_name", ""),
            attributes={name: row[col] for col, name in _HM_ATTRIBUTES.items() if row.get(col)},
            line=line,
        )
        if _add_item(item, items, "articles.csv", problems):
            _attach_image(item, root / "images" / f"{item.item_id}.jpg", check_images, "articles.csv", problems)
    # H&M prices are anonymised (scaled) figures, so they are not used as shop prices.
    interactions = _read_interactions(
        root / "transactions.csv",
        items,
        problems,
        lambda r: (r.get("customer_id", ""), r.get("article_id", ""), r.get("t_dat", ""), None, "purchase"),
    )
    return Dataset("hm", root, list(items.values()), interactions, problems)


def _as_list(value: object) -> list:
    """Amazon fields are lists, but some exports hold a bare string (or nothing)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _read_amazon2023(path: Path, check_images: bool) -> Dataset:
    files = [path] if path.is_file() else sorted(path.glob("*.jsonl"))
    root = path.parent if path.is_file() else path
    problems: list[RowProblem] = []
    items: dict[str, ItemRecord] = {}
    for file in files:
        with file.open(encoding="utf-8", errors="replace") as handle:
            for line, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    row = json.loads(text)
                    if not isinstance(row, dict):
                        raise ValueError("not a JSON object")
                except ValueError as error:
                    problems.append(RowProblem(file.name, line, f"malformed JSON: {error}"))
                    continue
                categories = [c for c in _as_list(row.get("categories")) if isinstance(c, str)]
                description = " ".join(str(d) for d in _as_list(row.get("description")))
                features = " ".join(str(f) for f in _as_list(row.get("features")))
                item = ItemRecord(
                    item_id=str(row.get("parent_asin") or "").strip(),
                    title=str(row.get("title") or "").strip(),
                    description=" ".join(p for p in (description, features) if p).strip(),
                    category=categories[-1] if categories else str(row.get("main_category") or ""),
                    price=parse_price(row.get("price")),
                    attributes={"store": str(row["store"])} if row.get("store") else {},
                    line=line,
                )
                # Image addresses point to the internet, which a shop server may not reach:
                # items from this layout carry no local image.
                _add_item(item, items, file.name, problems)
    return Dataset(root.name, root, list(items.values()), [], problems)
