"""Offline evaluation: the leave-last-out split, metrics, baselines and the comparison report.

Typical use (see DESIGN.md, "Evaluation protocol"):

    split = leave_last_out_split(read_dataset(path))
    models = {**default_baselines(content_embeddings), "Contrastive": my_model}
    run_evaluation(split, models, "reports/hm")
"""

from ml.evaluation.baselines import EASE, ContentKNN, ItemKNN, Popular, RecentPopular, default_baselines
from ml.evaluation.evaluator import StageResult, evaluate_ranking, evaluate_stage, rank_users
from ml.evaluation.recommender import Recommender
from ml.evaluation.report import run_evaluation
from ml.evaluation.split import History, LeaveLastOutSplit, SplitView, leave_last_out_split
from ml.evaluation.tuning import Grid, ModelResult, validate_then_test

__all__ = [
    "EASE",
    "ContentKNN",
    "Grid",
    "History",
    "ItemKNN",
    "LeaveLastOutSplit",
    "ModelResult",
    "Popular",
    "RecentPopular",
    "Recommender",
    "SplitView",
    "StageResult",
    "default_baselines",
    "evaluate_ranking",
    "evaluate_stage",
    "leave_last_out_split",
    "rank_users",
    "run_evaluation",
    "validate_then_test",
]
