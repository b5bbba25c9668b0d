"""The `shoprec` command: run the shop, migrate, import catalogs, train and evaluate models."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from shoprec_app.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    return args.handler(args) or 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shoprec", description="ShopRec: a self-hosted shop with personalised recommendations.")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = commands.add_parser("run", help="migrate, load a catalog if the shop is empty, and serve the storefront")
    run.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    run.add_argument("--port", type=int, default=3000, help="port of the storefront (default 3000)")
    run.add_argument("--dataset", help="catalog folder to import (default: $SHOPREC_DATASET, else a generated demo shop)")
    run.add_argument("--format", choices=["generic", "hm", "amazon2023"], help="layout of --dataset (detected when omitted)")
    run.set_defaults(handler=_run)

    migrate = commands.add_parser("migrate", help="upgrade the database schema (or downgrade with --revision)")
    migrate.add_argument("--revision", default="head", help="target revision (default head)")
    migrate.add_argument("--downgrade", action="store_true", help="downgrade to --revision instead of upgrading")
    migrate.set_defaults(handler=_migrate)

    importer = commands.add_parser("import", help="import products and interactions from a catalog folder")
    importer.add_argument("path", help="dataset folder (or an Amazon .jsonl file)")
    importer.add_argument("--format", choices=["generic", "hm", "amazon2023"], help="layout (detected when omitted)")
    importer.set_defaults(handler=_import)

    demo = commands.add_parser("demo-catalog", help="write the generated demo shop in the generic layout")
    demo.add_argument("out", help="folder to write items.csv, interactions.csv and images/ into")
    demo.add_argument("--items", type=int, default=200)
    demo.set_defaults(handler=_demo)

    prepare = commands.add_parser(
        "prepare-model",
        help="make sure workers have a model: fetch it (MODEL_FILE_ID) or train one on the shop's catalog",
    )
    prepare.add_argument("--retrain", action="store_true", help="train a new version even if one exists")
    prepare.set_defaults(handler=_prepare_model)

    refresh = commands.add_parser("embed-new-products", help="ask the workers to give new products their vectors")
    refresh.set_defaults(handler=_embed_new_products)

    try:
        from ml import commands as ml_commands
    except ImportError:  # the model commands are optional in a web-only install
        ml_commands = None
    if ml_commands is not None and hasattr(ml_commands, "register"):
        ml_commands.register(commands)
    return parser


def _run(args: argparse.Namespace) -> int:
    from shoprec_app import migrations
    from shoprec_app.frontend import run_storefront

    settings = get_settings()
    settings.check_production_safety()
    print(f"Database: {_redacted(settings.database_url)}", flush=True)
    migrations.upgrade()
    _load_catalog(args.dataset or settings.dataset, args.format or settings.dataset_format)
    if settings.broker_url is None:
        _prepare_model_in_background(settings)
    shown_host = "localhost" if args.host in {"0.0.0.0", "127.0.0.1"} else args.host
    print(f"\nShopRec storefront starting at http://{shown_host}:{args.port}/\n", flush=True)
    run_storefront(args.host, args.port)
    return 0


def _prepare_model_in_background(settings) -> None:  # noqa: ANN001
    """Embedded mode: train a first model beside the server; shelves use it once it lands.

    Until then shoppers see popular products; the in-process worker picks the model up
    without a restart. Deployments run `shoprec prepare-model` as a job of its own.
    """
    import subprocess

    if any(settings.artifacts_dir.glob("*/manifest.json")):
        return
    log = settings.home / "logs" / "prepare-model.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as output:
        subprocess.Popen([sys.executable, "-m", "shoprec_app.cli", "prepare-model"], stdout=output, stderr=subprocess.STDOUT)
    print(f"No model yet: training one in the background (progress in {log}).", flush=True)


def _load_catalog(dataset: str | None, fmt: str | None) -> None:
    """Import a configured dataset (idempotent), or a generated demo shop into an empty one."""
    from sqlmodel import func, select

    from shoprec_app.db import session_scope
    from shoprec_app.models import Product

    if not dataset and os.environ.get("DATA_FILE_ID"):
        dataset = str(_fetch_dataset(os.environ["DATA_FILE_ID"]))
    if dataset:
        _import_into_shop(Path(dataset), fmt)
        return
    with session_scope() as session:
        if session.exec(select(func.count()).select_from(Product)).one() > 0:
            return
    from ml.datasets.demo import generate_demo_catalog

    folder = generate_demo_catalog(get_settings().home / "demo-catalog")
    print(f"No catalog configured: generated a demo shop in {folder}", flush=True)
    _import_into_shop(folder, "generic")


def _fetch_dataset(file_id: str) -> Path:
    """Download (once) and verify the catalog archive named by DATA_FILE_ID; its folder."""
    from ml.fetch import fetch_artifacts

    downloads = get_settings().home / "downloads"
    folder = downloads / "data"
    if not folder.exists():
        fetch_artifacts(file_id, None, downloads, expected_sha256=_expected_checksums())
    # An archive may hold the dataset itself or one folder around it.
    inner = [child for child in folder.iterdir() if child.is_dir()]
    return inner[0] if len(inner) == 1 and not any(folder.glob("*.csv")) else folder


def _import_into_shop(path: Path, fmt: str | None) -> int:
    from shoprec_app.db import session_scope
    from shoprec_app.services.importer import import_path

    with session_scope() as session:
        report = import_path(session, path, fmt, get_settings().media_dir)
    print(report.summary(), flush=True)
    return 0


def _prepare_model(args: argparse.Namespace) -> int:
    """Fetch the model when a Drive id is configured, else train on what the shop holds."""
    settings = get_settings()
    artifacts = settings.artifacts_dir
    has_model = any(artifacts.glob("*/manifest.json"))
    if has_model and not args.retrain:
        print(f"A model is already in {artifacts}; nothing to do (--retrain trains a new version).")
        return 0
    model_id = os.environ.get("MODEL_FILE_ID")
    if model_id and not args.retrain:
        from ml.fetch import fetch_artifacts

        fetch_artifacts(None, model_id, artifacts.parent / "downloads", expected_sha256=_expected_checksums())
        _install_fetched_model(artifacts.parent / "downloads" / "model", artifacts)
        return 0
    from ml.datasets.database import read_database
    from ml.workflows import split_dataset, train_dataset_and_save

    dataset = read_database(settings.database_url, settings.media_dir)
    if not dataset.items:
        print("The shop has no products yet: import a catalog first (shoprec import PATH).", file=sys.stderr)
        return 1
    train_dataset_and_save(*split_dataset(dataset, None), artifacts)
    return 0


def _expected_checksums() -> dict[str, str]:
    """SHA-256 per Drive id from MODEL_SHA256 / DATA_SHA256, when the operator pinned them."""
    pins = {}
    for id_variable, sha_variable in (("MODEL_FILE_ID", "MODEL_SHA256"), ("DATA_FILE_ID", "DATA_SHA256")):
        if os.environ.get(id_variable) and os.environ.get(sha_variable):
            pins[os.environ[id_variable]] = os.environ[sha_variable]
    return pins


def _install_fetched_model(downloaded: Path, artifacts: Path) -> None:
    """Move a verified downloaded artifact version into the folder workers watch."""
    from ml.artifacts import find_artifact_folder, verify_artifact

    version = find_artifact_folder(downloaded)
    verify_artifact(version)
    artifacts.mkdir(parents=True, exist_ok=True)
    target = artifacts / version.name
    if not target.exists():
        version.rename(target)
    print(f"Model {version.name} installed in {artifacts}")


def _embed_new_products(_args: argparse.Namespace) -> int:
    from actors.catalog import embed_new_products

    embed_new_products.send()
    print("Asked the workers to encode products added since the model was trained.")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from shoprec_app import migrations

    if args.downgrade:
        migrations.downgrade(revision=args.revision)
    else:
        migrations.upgrade(revision=args.revision)
    return 0


def _import(args: argparse.Namespace) -> int:
    from shoprec_app import migrations

    path = Path(args.path)
    if not path.exists():
        print(f"shoprec import: {path} does not exist", file=sys.stderr)
        return 2
    if args.format is None:
        from ml.datasets import detect_format

        try:
            detect_format(path)
        except ValueError as error:  # a folder in none of the layouts
            print(f"shoprec import: {error}", file=sys.stderr)
            return 2
    migrations.upgrade()
    _import_into_shop(path, args.format)
    if get_settings().broker_url:
        _embed_new_products(args)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ml.datasets.demo import generate_demo_catalog

    print(generate_demo_catalog(Path(args.out), n_items=args.items))
    return 0


def _redacted(url: str) -> str:
    """A database URL without its password, fit for logs."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        if ":" in credentials:
            user = credentials.split(":", 1)[0]
            return f"{scheme}://{user}:***@{host}"
    return url


if __name__ == "__main__":
    sys.exit(main())
