"""A small demo shop the project draws itself, so a fresh machine has something to show.

Writes the generic layout (items.csv, interactions.csv, images/) with Pillow-drawn
product pictures and templated text. Shoppers in the generated history each favour a
couple of categories and colours, so a recommender has a real pattern to learn.
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

COLOURS = {
    "Black": (34, 34, 38),
    "White": (236, 236, 232),
    "Navy": (32, 48, 96),
    "Red": (196, 48, 52),
    "Green": (46, 125, 80),
    "Mustard": (214, 168, 48),
    "Pink": (232, 150, 170),
    "Grey": (140, 142, 148),
}
CATEGORIES = {
    "Tops": ["T-shirt", "Blouse", "Sweater", "Hoodie"],
    "Bottoms": ["Jeans", "Chinos", "Skirt", "Shorts"],
    "Dresses": ["Midi dress", "Wrap dress", "Shirt dress"],
    "Shoes": ["Sneakers", "Loafers", "Ankle boots"],
    "Bags": ["Tote bag", "Backpack", "Crossbody bag"],
    "Accessories": ["Scarf", "Beanie", "Belt", "Sunglasses"],
}
MATERIALS = ["organic cotton", "linen", "merino wool", "recycled polyester", "soft denim", "vegan leather"]
FITS = ["relaxed", "slim", "regular", "oversized", "classic"]
OCCASIONS = ["everyday wear", "the office", "weekends away", "evenings out", "travel"]
ADJECTIVES = ["Essential", "Studio", "Weekend", "City", "Heritage", "Coastal", "Urban", "Nordic"]
BASE_PRICE = {"Tops": 24, "Bottoms": 39, "Dresses": 49, "Shoes": 69, "Bags": 44, "Accessories": 15}


def generate_demo_catalog(folder: Path | str, n_items: int = 200, n_users: int = 120, seed: int = 7) -> Path:
    """Write a demo shop into `folder` (created if needed) and return the folder."""
    folder = Path(folder)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    items = [_make_item(index, rng) for index in range(n_items)]
    for item in items:
        _draw_product(item, folder / item["image"])
    _write_csv(folder / "items.csv", ["item_id", "title", "description", "category", "price", "image"], items)
    _write_csv(folder / "interactions.csv", ["user_id", "item_id", "timestamp"], _make_history(items, n_users, rng))
    return folder


def _make_item(index: int, rng: random.Random) -> dict:
    category = list(CATEGORIES)[index % len(CATEGORIES)]
    kind = rng.choice(CATEGORIES[category])
    colour = rng.choice(list(COLOURS))
    material, fit, occasion = rng.choice(MATERIALS), rng.choice(FITS), rng.choice(OCCASIONS)
    title = f"{rng.choice(ADJECTIVES)} {colour.lower()} {kind.lower()}"
    description = (
        f"A {fit} {kind.lower()} in {colour.lower()} {material}, made for {occasion}. "
        f"Pairs easily with the rest of the {category.lower()} collection."
    )
    price = round(BASE_PRICE[category] * rng.uniform(0.7, 1.8), 2) - 0.01
    item_id = f"demo-{index:04d}"
    return {
        "item_id": item_id,
        "title": title.capitalize(),
        "description": description,
        "category": category,
        "price": f"{price:.2f}",
        "image": f"images/{item_id}.png",
        "_colour": colour,
        "_kind": kind,
    }


def _draw_product(item: dict, path: Path) -> None:
    """A flat illustration: a coloured silhouette for the product's kind on a soft background."""
    size = 360
    colour = COLOURS[item["_colour"]]
    background = tuple(int(255 - (255 - c) * 0.18) for c in colour)
    image = Image.new("RGB", (size, int(size * 1.25)), background)
    draw = ImageDraw.Draw(image)
    outline = tuple(max(0, c - 40) for c in colour)
    width, height = image.size
    category = item["category"]
    if category == "Tops":
        draw.polygon([(110, 120), (250, 120), (310, 180), (280, 210), (255, 190), (255, 360), (105, 360), (105, 190), (80, 210), (50, 180)], fill=colour, outline=outline)
    elif category == "Bottoms":
        draw.polygon([(115, 100), (245, 100), (270, 380), (200, 380), (180, 190), (160, 380), (90, 380)], fill=colour, outline=outline)
    elif category == "Dresses":
        draw.polygon([(140, 90), (220, 90), (235, 180), (290, 390), (70, 390), (125, 180)], fill=colour, outline=outline)
    elif category == "Shoes":
        draw.rounded_rectangle([(60, 250), (300, 320)], radius=30, fill=colour, outline=outline)
        draw.rounded_rectangle([(60, 200), (170, 290)], radius=30, fill=colour, outline=outline)
    elif category == "Bags":
        draw.arc([(120, 90), (240, 210)], start=180, end=360, fill=outline, width=10)
        draw.rounded_rectangle([(80, 150), (280, 350)], radius=18, fill=colour, outline=outline)
    else:
        draw.ellipse([(90, 130), (270, 310)], fill=colour, outline=outline, width=4)
    draw.rectangle([(0, height - 44), (width, height)], fill=(255, 255, 255))
    draw.text((14, height - 32), item["_kind"].upper(), fill=(60, 60, 60))
    image.save(path, "PNG", optimize=True)


def _make_history(items: list[dict], n_users: int, rng: random.Random) -> list[dict]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    by_category: dict[str, list[dict]] = {}
    for item in items:
        by_category.setdefault(item["category"], []).append(item)
    rows = []
    for user in range(n_users):
        favourites = rng.sample(list(CATEGORIES), 2)
        colour = rng.choice(list(COLOURS))
        moment = start + timedelta(days=rng.uniform(0, 200))
        for _ in range(rng.randint(3, 12)):
            pool = by_category[rng.choice(favourites)] if rng.random() < 0.85 else items
            matching = [i for i in pool if i["_colour"] == colour]
            choice = rng.choice(matching if matching and rng.random() < 0.5 else pool)
            moment += timedelta(hours=rng.uniform(1, 240))
            rows.append({"user_id": f"demo-user-{user:03d}", "item_id": choice["item_id"], "timestamp": moment.isoformat()})
    return rows


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
