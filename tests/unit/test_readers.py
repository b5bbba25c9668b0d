"""Dataset readers: bad rows are reported with their exact line numbers and good rows still load."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ml.datasets import detect_format, read_dataset
from ml.datasets.readers import parse_price, parse_timestamp

GENERIC_ITEMS = (
    "item_id,title,description,category,price,image\n"  # 1
    "a1,Red dress,A red dress,Dresses,19.99,images/a1.png\n"  # 2 good, with image
    ",No id,,Tops,5,\n"  # 3 missing id
    'a2,Blue shirt,"A shirt, with a comma",Tops,"$1,234.50",\n'  # 4 good, quoted fields
    "a3,Broken picture,,Tops,3,images/broken.jpg\n"  # 5 unreadable image: kept without image
    "a4,Lost picture,,Tops,4,images/missing.jpg\n"  # 6 missing image: kept without image
    "a5,Too,many,fields,5,,extra\n"  # 7 too many fields
    "a1,Duplicate,,Dresses,1,\n"  # 8 duplicate id
    'a6,"Two-line\n'  # 9 a quoted field over two lines
    'title",Soft,Bags,,\n'  # 10
    "\n"  # 11 blank line
    "a7,After the blank line,,Bags,7,\n"  # 12 good
    "a8,Too few\n"  # 13 too few fields
)

GENERIC_INTERACTIONS = (
    "user_id,item_id,timestamp,rating\n"  # 1
    "u1,a1,1700000000,\n"  # 2 unix seconds
    "u1,zz,1700000000,\n"  # 3 unknown item
    "u2,a2,2024-03-05T10:00:00Z,4.5\n"  # 4 ISO with Z, rating
    "u2,a2,not-a-date,\n"  # 5 bad timestamp
    "u3,a3,2024-03-05,\n"  # 6 bare ISO date
    ",a1,1700000000,\n"  # 7 missing user id
    "u3,a1,2024-03-05T10:00:00+02:00,\n"  # 8 ISO with offset
    "u4,a5,1700000000,\n"  # 9 item whose row was rejected
    "u4,a1,1700000000,oops\n"  # 10 bad rating
    "u5,a7,1e30,\n"  # 11 unix seconds out of range
)


@pytest.fixture
def generic_dataset(tmp_path: Path, write_image, write_text) -> Path:
    root = tmp_path / "shop"
    write_text(root / "items.csv", GENERIC_ITEMS)
    write_text(root / "interactions.csv", GENERIC_INTERACTIONS)
    write_image(root / "images" / "a1.png")
    write_text(root / "images" / "broken.jpg", "this is not a JPEG at all")
    return root


def problems_by_line(dataset, file: str) -> dict[int, str]:
    return {p.line: p.reason for p in dataset.problems if p.file == file}


def test_generic_item_problems_have_exact_line_numbers(generic_dataset: Path):
    dataset = read_dataset(generic_dataset)

    problems = problems_by_line(dataset, "items.csv")
    assert sorted(problems) == [3, 5, 6, 7, 8, 13]
    assert "missing item id" in problems[3]
    assert "unreadable image" in problems[5] and "a3" in problems[5]
    assert "image not found" in problems[6] and "a4" in problems[6]
    assert "too many fields" in problems[7]
    assert "duplicate item id a1" in problems[8]
    assert "too few fields" in problems[13]


def test_generic_good_rows_load_with_their_own_lines(generic_dataset: Path):
    dataset = read_dataset(generic_dataset)
    items = {item.item_id: item for item in dataset.items}

    assert {i: item.line for i, item in items.items()} == {"a1": 2, "a2": 4, "a3": 5, "a4": 6, "a6": 9, "a7": 12}
    # The first row with an id wins over the duplicate.
    assert items["a1"].title == "Red dress"
    assert items["a1"].image_path == (generic_dataset / "images" / "a1.png").resolve()
    assert items["a2"].description == "A shirt, with a comma"
    assert items["a2"].price == pytest.approx(1234.50)
    assert items["a6"].title == "Two-line\ntitle"
    # Items whose image is broken or missing are kept, without an image.
    assert items["a3"].image_path is None and items["a4"].image_path is None


def test_generic_interactions_report_bad_rows_and_keep_good_ones(generic_dataset: Path):
    dataset = read_dataset(generic_dataset)

    problems = problems_by_line(dataset, "interactions.csv")
    assert sorted(problems) == [3, 5, 7, 9, 10, 11]
    assert "unknown item zz" in problems[3]
    assert "bad timestamp" in problems[5]
    assert "missing user id" in problems[7]
    assert "unknown item a5" in problems[9]
    assert "bad rating" in problems[10]
    assert "bad timestamp" in problems[11]

    loaded = [(row.line, row.user_id, row.item_id, row.timestamp, row.rating) for row in dataset.interactions]
    assert loaded == [
        (2, "u1", "a1", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC), None),
        (4, "u2", "a2", datetime(2024, 3, 5, 10, 0, tzinfo=UTC), 4.5),
        (6, "u3", "a3", datetime(2024, 3, 5, 0, 0, tzinfo=UTC), None),
        (8, "u3", "a1", datetime(2024, 3, 5, 8, 0, tzinfo=UTC), None),
    ]
    assert all(row.timestamp.utcoffset().total_seconds() == 0 for row in dataset.interactions)


def test_generic_without_image_check_still_reports_missing_files(generic_dataset: Path):
    dataset = read_dataset(generic_dataset, check_images=False)
    problems = problems_by_line(dataset, "items.csv")

    assert "image not found" in problems[6]
    # Not opened, so the garbage file is not noticed here (the importer notices it).
    assert 5 not in problems


def test_generic_crlf_file_counts_lines_the_same(tmp_path: Path, write_text):
    root = tmp_path / "crlf"
    write_text(root / "items.csv", "item_id,title\r\nb1,One\r\n,No id\r\nb2,Two\r\n")

    dataset = read_dataset(root)

    assert [(item.item_id, item.line) for item in dataset.items] == [("b1", 2), ("b2", 4)]
    assert [(p.line, p.reason) for p in dataset.problems] == [(3, "missing item id")]


def test_parse_timestamp_accepts_unix_and_iso_and_rejects_garbage():
    assert parse_timestamp("0") == datetime(1970, 1, 1, tzinfo=UTC)
    assert parse_timestamp("1700000000.5") == datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)
    assert parse_timestamp("2020-09-22") == datetime(2020, 9, 22, tzinfo=UTC)
    for bad in ("", "  ", "yesterday", "nan", "inf", "2020-13-45"):
        with pytest.raises(ValueError):
            parse_timestamp(bad)


def test_parse_price():
    assert parse_price("$1,234.50") == pytest.approx(1234.5)
    assert parse_price("12") == 12.0
    for absent in (None, "", "None", "nan", "-3", "free"):
        assert parse_price(absent) is None


HM_ARTICLES = (
    "article_id,product_code,prod_name,product_type_name,product_group_name,colour_group_name,department_name,detail_desc\n"
    "0108775015,108775,Strap top,Vest top,Garment Upper body,Black,Jersey Basic,Jersey top with narrow shoulder straps.\n"
    "0108775044,108775,Strap top (1),Vest top,Garment Upper body,White,Jersey Basic,\n"
    ",000000,No id,Vest top,Garment Upper body,White,Jersey Basic,\n"
)
HM_TRANSACTIONS = (
    "t_dat,customer_id,article_id,price,sales_channel_id\n"
    "2018-09-20,c1,0108775015,0.0508,2\n"
    "2018-09-21,c1,108775015,0.0508,2\n"  # the leading zero lost: not the same article
    "2018-09-22,c2,0108775044,0.0508,1\n"
)


def test_hm_reader_keeps_the_leading_zero_of_article_id(tmp_path: Path, write_image, write_text):
    root = tmp_path / "hm"
    write_text(root / "articles.csv", HM_ARTICLES)
    write_text(root / "transactions.csv", HM_TRANSACTIONS)
    write_image(root / "images" / "0108775015.jpg", fmt="JPEG")

    assert detect_format(root) == "hm"
    dataset = read_dataset(root)

    items = {item.item_id: item for item in dataset.items}
    assert list(items) == ["0108775015", "0108775044"]
    top = items["0108775015"]
    assert top.title == "Strap top"
    assert top.category == "Garment Upper body"
    assert top.attributes == {"type": "Vest top", "colour": "Black", "department": "Jersey Basic"}
    assert top.image_path == (root / "images" / "0108775015.jpg").resolve()
    assert [(r.user_id, r.item_id, r.kind, r.line) for r in dataset.interactions] == [
        ("c1", "0108775015", "purchase", 2),
        ("c2", "0108775044", "purchase", 4),
    ]
    assert sorted(str(p) for p in dataset.problems) == [
        "articles.csv:3: item 0108775044: image not found: 0108775044.jpg (item kept without image)",
        "articles.csv:4: missing item id",
        "transactions.csv:3: unknown item 108775015",
    ]


def test_amazon2023_reader_reports_malformed_json_lines(tmp_path: Path, write_text):
    good = {
        "parent_asin": "B0001",
        "title": "Linen shirt",
        "description": ["Breathable linen."],
        "features": ["Button front", "Two pockets"],
        "categories": ["Clothing", "Men", "Shirts"],
        "price": "$24.99",
        "store": "Acme",
        "images": [{"large": "https://example.invalid/1.jpg"}],
    }
    lines = [
        json.dumps(good),  # 1
        '{"parent_asin": "B0002", "title": "Cut off',  # 2 malformed
        "",  # 3 blank: skipped silently
        "[1, 2, 3]",  # 4 not an object
        json.dumps({"title": "No id"}),  # 5 missing id
        json.dumps({"parent_asin": "B0003", "title": "Plain tee", "main_category": "AMAZON FASHION", "price": None}),  # 6
    ]
    path = write_text(tmp_path / "amazon" / "meta_Amazon_Fashion.jsonl", "\n".join(lines) + "\n")

    for source in (path, path.parent):
        dataset = read_dataset(source)

        assert [(item.item_id, item.line) for item in dataset.items] == [("B0001", 1), ("B0003", 6)]
        shirt, tee = dataset.items
        assert shirt.category == "Shirts"
        assert shirt.price == pytest.approx(24.99)
        assert shirt.description == "Breathable linen. Button front Two pockets"
        assert shirt.attributes == {"store": "Acme"}
        assert shirt.image_path is None  # internet addresses are not local images
        assert tee.category == "AMAZON FASHION" and tee.price is None
        assert dataset.interactions == []
        problems = problems_by_line(dataset, "meta_Amazon_Fashion.jsonl")
        assert sorted(problems) == [2, 4, 5]
        assert "malformed JSON" in problems[2] and "malformed JSON" in problems[4]
        assert "missing item id" in problems[5]


def test_read_dataset_refuses_unknown_layouts(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        read_dataset(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="no items.csv"):
        read_dataset(tmp_path)
    with pytest.raises(ValueError, match="unknown dataset format"):
        read_dataset(tmp_path, fmt="parquet")


def test_demo_catalog_reads_back_without_problems(demo_catalog: Path):
    dataset = read_dataset(demo_catalog)

    assert dataset.problems == []
    assert len(dataset.items) == 200
    categories = Counter(item.category for item in dataset.items)
    assert len(categories) == 6
    assert min(categories.values()) >= 30
    assert all(item.image_path is not None and item.image_path.is_file() for item in dataset.items)
    assert all(item.price is not None and item.price > 0 for item in dataset.items)
    assert len({item.item_id for item in dataset.items}) == 200
    # Every shopper in the history has at least three interactions, all on known items.
    per_user = Counter(row.user_id for row in dataset.interactions)
    assert len(per_user) == 120 and min(per_user.values()) >= 3


def test_an_item_id_longer_than_the_shop_stores_is_a_bad_row(tmp_path: Path, write_text):
    root = tmp_path / "long-ids"
    long_id = "https://shop.example/products/" + "x" * 120
    write_text(root / "items.csv", f"item_id,title\n{long_id},Too long\n{'y' * 128},Just fits\n")
    write_text(root / "interactions.csv", f"user_id,item_id,timestamp\nu1,{long_id},0\nu1,{'y' * 128},0\n")

    dataset = read_dataset(root)

    assert [item.item_id for item in dataset.items] == ["y" * 128]
    assert [str(p) for p in dataset.problems] == [
        "items.csv:2: item id longer than 128 characters",
        f"interactions.csv:2: unknown item {long_id}",
    ]
