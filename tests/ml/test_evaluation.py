import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from ml.datasets.records import Dataset, InteractionRecord, ItemRecord
from ml.evaluation.baselines import Popular
from ml.encoders.catalog import ContentFeatures
from ml.evaluation.bootstrap import confidence_interval, paired_difference, resample_indices
from ml.evaluation.cli import content_variants, main
from ml.evaluation.evaluator import evaluate_stage
from ml.evaluation.report import REPORTED_METRICS, run_evaluation
from ml.evaluation.split import leave_last_out_split
from ml.evaluation.tuning import Grid, validate_then_test

START = datetime(2024, 1, 1, tzinfo=UTC)
ITEMS = "abcdefgh"


def toy_split():
    """Six users each buy a, b, then c (validation), then d (test); two more buy only e."""
    interactions = [
        InteractionRecord(f"u{n}", item, START + timedelta(days=day))
        for n in range(6)
        for day, item in enumerate("abcd")
    ] + [InteractionRecord(f"e{n}", "e", START) for n in range(2)]
    return leave_last_out_split(Dataset("toy", Path("."), [ItemRecord(i, i) for i in ITEMS], interactions))


class Favourite:
    """Scores one item above all others and records the views it was fitted on."""

    def __init__(self, item: str):
        self.item = item
        self.fitted_on: list[str] = []

    def fit(self, view):
        self.fitted_on.append(view.name)

    def score(self, user_ids):
        scores = np.zeros((len(user_ids), len(ITEMS)))
        scores[:, ITEMS.index(self.item)] = 1.0
        return scores


def test_a_model_that_ranks_the_test_target_first_scores_perfectly():
    result = evaluate_stage(Favourite("d"), toy_split(), "test")
    summary = result.summary()
    assert summary["recall@10"] == summary["ndcg@10"] == summary["map@10"] == 1.0
    assert summary["precision@10"] == pytest.approx(0.1)


def test_validation_stage_scores_the_validation_target():
    split = toy_split()
    assert evaluate_stage(Favourite("c"), split, "validation").summary()["recall@10"] == 1.0
    assert evaluate_stage(Favourite("d"), split, "validation").summary()["ndcg@10"] < 1.0


def test_a_plain_model_is_fitted_on_train_then_refitted_on_train_plus_validation():
    model = Favourite("d")
    result = validate_then_test(model, toy_split())
    assert model.fitted_on == ["train", "train+validation"]
    assert result.test.summary()["ndcg@10"] == 1.0


def test_a_grid_is_tuned_on_validation_only():
    built = []

    def build(item):
        built.append(Favourite(item))
        return built[-1]

    # "c" wins on validation; "d" would win on test, but test never guides the choice.
    result = validate_then_test(Grid(build, [{"item": "d"}, {"item": "c"}]), toy_split())
    assert result.params == {"item": "c"}
    assert [trial["params"] for trial in result.trials] == [{"item": "d"}, {"item": "c"}]
    assert [model.fitted_on for model in built] == [["train"], ["train"], ["train+validation"]]


def test_bootstrap_interval_brackets_the_mean_and_collapses_for_constant_values():
    indices = resample_indices(200, samples=300, seed=1)
    values = np.random.default_rng(0).random(200)
    low, high = confidence_interval(values, indices)
    assert low < values.mean() < high
    assert confidence_interval(np.full(200, 0.5), indices) == pytest.approx((0.5, 0.5))


def test_paired_difference_reports_a_clear_win():
    indices = resample_indices(100, samples=200)
    reference = np.random.default_rng(0).random(100)
    comparison = paired_difference(reference + 0.1, reference, indices)
    assert comparison["difference"] == pytest.approx(0.1)
    assert comparison["share_not_better"] == 0.0
    assert paired_difference(reference, reference, indices)["share_not_better"] == 1.0  # a tie is no win


def test_run_evaluation_writes_the_four_report_files(tmp_path):
    history = [{"epoch": 1, "loss": 2.0, "recall@10": 0.1, "ndcg@10": 0.05}, {"epoch": 2, "loss": 1.5, "recall@10": 0.2, "ndcg@10": 0.1}]
    report = run_evaluation(
        toy_split(),
        {"Popular": Popular(), "Favourite": Grid(Favourite, [{"item": "c"}, {"item": "d"}])},
        tmp_path,
        dataset_name="toy",
        training_history=history,
        reference="Popular",
        bootstrap_samples=50,
    )
    for name in ("report.md", "metrics.json", "metrics.png", "training_curve.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    for picture in ("metrics.png", "training_curve.png"):
        assert (tmp_path / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((tmp_path / "metrics.json").read_text()) == json.loads(json.dumps(report))
    assert set(report["models"]["Popular"]["test"]) == set(REPORTED_METRICS) | {"precision@20", "map@20"}
    assert report["split"]["evaluated_users"] == 6
    assert "vs_Popular" in report["models"]["Favourite"]
    markdown = (tmp_path / "report.md").read_text()
    assert "| Popular |" in markdown and "| Favourite |" in markdown and "item=c" in markdown


def test_run_evaluation_without_history_or_bootstrap_still_writes_everything(tmp_path):
    report = run_evaluation(toy_split(), {"Popular": Popular()}, tmp_path, bootstrap_samples=0)
    assert "test_intervals" not in report["models"]["Popular"]
    assert (tmp_path / "training_curve.png").exists() and (tmp_path / "metrics.png").exists()


def test_run_evaluation_rejects_an_unknown_reference(tmp_path):
    with pytest.raises(ValueError, match="reference"):
        run_evaluation(toy_split(), {"Popular": Popular()}, tmp_path, reference="EASE")


def test_the_command_line_reports_baselines_on_a_generic_dataset(tmp_path):
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "items.csv").write_text("item_id,title\n" + "".join(f"{i},item {i}\n" for i in ITEMS))
    rows = [f"u{n},{item},2024-01-0{day + 1}\n" for n in range(6) for day, item in enumerate("abcd")]
    (folder / "interactions.csv").write_text("user_id,item_id,timestamp\n" + "".join(rows))
    main(["--dataset", str(folder), "--out", str(tmp_path / "report"), "--content", "--bootstrap", "20"])
    report = json.loads((tmp_path / "report" / "metrics.json").read_text())
    assert set(report["models"]) == {"Popular", "RecentPopular", "ItemKNN", "EASE"}
    assert report["split"]["evaluated_users"] == 6


def test_content_variants_give_each_modality_equal_weight(monkeypatch):
    import ml.encoders

    text = np.array([[1.0, 0.0], [1.0, 0.0]])
    image = np.array([[3.0, 0.0, 0.0], [0.0, 5.0, 0.0]])  # lengths must not matter either
    monkeypatch.setattr(ml.encoders, "encode_catalog", lambda items, modalities, cache: ContentFeatures(text, image, np.zeros(2, bool), []))
    monkeypatch.setattr(ml.encoders, "EmbeddingCache", lambda: None)
    variants = content_variants([], ["text", "image", "text+image"])
    both = variants["text+image"]
    # Text cosine 1, image cosine 0: the combined cosine is their mean.
    assert both[0] @ both[1] == pytest.approx(0.5)
    assert np.linalg.norm(both, axis=1) == pytest.approx([1.0, 1.0])
    assert variants["image"][0] @ variants["image"][1] == pytest.approx(0.0)
