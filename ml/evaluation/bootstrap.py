"""Bootstrap over users: about 1,000 evaluated users make a point estimate alone too noisy to quote.

The same resampled user sets are used for every model (fixed seed), and paired differences
resample users jointly, which is what "model A beats model B" needs.
"""

from __future__ import annotations

import numpy as np

DEFAULT_SAMPLES = 1000


def resample_indices(n_users: int, samples: int = DEFAULT_SAMPLES, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n_users, size=(samples, n_users))


def confidence_interval(values: np.ndarray, indices: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of the mean of per-user `values` over bootstrap resamples."""
    means = np.asarray(values)[indices].mean(axis=1)
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(means, [tail, 100.0 - tail])
    return float(low), float(high)


def paired_difference(
    values: np.ndarray, reference: np.ndarray, indices: np.ndarray, level: float = 0.95
) -> dict[str, float]:
    """Mean of values − reference over the same users, its interval, and how often it was ≤ 0."""
    differences = np.asarray(values) - np.asarray(reference)
    low, high = confidence_interval(differences, indices, level)
    resampled = differences[indices].mean(axis=1)
    return {"difference": float(differences.mean()), "low": low, "high": high, "share_not_better": float((resampled <= 0).mean())}
