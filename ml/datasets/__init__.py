"""Dataset readers shared by the catalog import and model training (no torch here)."""

from ml.datasets.readers import FORMATS, detect_format, read_dataset
from ml.datasets.records import Dataset, InteractionRecord, ItemRecord, RowProblem

__all__ = ["FORMATS", "Dataset", "InteractionRecord", "ItemRecord", "RowProblem", "detect_format", "read_dataset"]
