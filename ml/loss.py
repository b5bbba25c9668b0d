"""InfoNCE over in-batch and sampled negatives, with a logQ correction for how often each
candidate shows up as a negative.

Why logQ: in-batch negatives are other users' targets, so popular items are drawn as negatives
far more often than rare ones and the model learns to push them down for being popular rather
than for being wrong. Subtracting log(expected draws) from every candidate's logit (Yi et al.,
2019) makes the sampled softmax an unbiased estimate of the full one.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F


def candidate_log_q(target_probability: torch.Tensor, batch_size: int, n_sampled: int, n_items: int) -> torch.Tensor:
    """log of the expected number of times each item is a candidate in one batch.

    In-batch candidates are targets (drawn with `target_probability`), sampled ones are uniform.
    """
    return torch.log(batch_size * target_probability + n_sampled / n_items + 1e-12)


def info_nce(
    users: torch.Tensor,
    positives: torch.Tensor,
    negatives: torch.Tensor,
    positive_ids: torch.Tensor,
    negative_ids: torch.Tensor,
    positive_log_q: torch.Tensor,
    negative_log_q: torch.Tensor,
    temperature: float,
) -> torch.Tensor:
    """Mean cross-entropy of each user's own target among all candidates of the batch.

    users, positives [B, D]; negatives [S, D]; *_ids the item columns; *_log_q per candidate.
    A candidate that is the same item as the row's target (an accidental hit) is masked out
    rather than counted as a negative.
    """
    in_batch = users @ positives.T / temperature - positive_log_q[None, :]
    sampled = users @ negatives.T / temperature - negative_log_q[None, :]
    same_item = positive_ids[:, None] == positive_ids[None, :]
    same_item.fill_diagonal_(False)
    in_batch = in_batch.masked_fill(same_item, float("-inf"))
    sampled = sampled.masked_fill(positive_ids[:, None] == negative_ids[None, :], float("-inf"))
    logits = torch.cat([in_batch, sampled], dim=1)
    return F.cross_entropy(logits, torch.arange(len(users)))
