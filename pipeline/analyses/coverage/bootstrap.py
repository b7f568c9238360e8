"""Bootstrap confidence interval of a mean, in numpy (the numbers of ``scipy.stats.bootstrap``).

``scipy.stats`` takes about 0.6 s to import (it builds its distributions' docstrings), more
than a whole rerun of a round spends on its analyses; the interval needs only ``ndtr`` and
``ndtri`` of ``scipy.special``. :func:`mean_interval` follows ``scipy.stats.bootstrap``
(scipy 1.15-1.17) step by step for a one-sample mean, ``vectorized=True`` and a
``numpy.random.Generator``: the same resamples drawn in the same batches (so the same random
stream), the same bias correction and acceleration (BCa, from the jackknife) and the same
quantile rule (Hyndman and Fan's type 7, as ``scipy.stats.quantile`` computes it), so the
interval is the same to the last bit (``tests/test_analysis_coverage_gaps.py`` compares them).

Efron and Tibshirani, *An Introduction to the Bootstrap* (1993), 14.3 and 15.4.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri


def _resampled_means(x: np.ndarray, n_resamples: int, batch: int, rng: np.random.Generator) -> np.ndarray:
    n = len(x)
    means = []
    for k in range(0, n_resamples, batch):
        size = min(batch, n_resamples - k)
        means.append(np.mean(x[..., rng.integers(0, n, (size, n))], axis=-1))
    return np.concatenate(means, axis=-1)


def _jackknife_means(x: np.ndarray, batch: int) -> np.ndarray:
    """The mean of ``x`` without each of its values in turn."""
    n = len(x)
    means = []
    for k in range(0, n, batch):
        size = min(batch, n - k)
        keep = np.ones((size, n), dtype=bool)
        np.fill_diagonal(keep[:, k : k + size], False)
        index = np.broadcast_to(np.arange(n), (size, n))[keep].reshape((size, n - 1))
        means.append(np.mean(x[..., index], axis=-1))
    return np.concatenate(means, axis=-1)


def _bca_levels(x: np.ndarray, alpha: float, means: np.ndarray, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """The bias-corrected and accelerated quantile levels of the two ends."""
    theta_hat = np.expand_dims(np.mean(x, axis=-1), axis=-1)
    below = np.count_nonzero(means < theta_hat, axis=-1) + np.count_nonzero(means <= theta_hat, axis=-1)
    z0_hat = ndtri(np.asarray(below).astype(theta_hat.dtype) / (2 * means.shape[-1]))
    jack = _jackknife_means(x, batch)
    n = float(jack.shape[-1])
    u = (n - 1) * (np.mean(jack, axis=-1, keepdims=True) - jack)
    a_hat = 1 / 6 * sum([np.sum(u**3, axis=-1) / n**3]) / sum([np.sum(u**2, axis=-1) / n**2]) ** (3 / 2)
    z_alpha = float(ndtri(alpha))
    num1 = z0_hat + z_alpha
    num2 = z0_hat + -z_alpha
    return ndtr(z0_hat + num1 / (1 - a_hat * num1)), ndtr(z0_hat + num2 / (1 - a_hat * num2))


def _quantiles(values: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Type 7 quantiles (linear interpolation), written as ``scipy.stats.quantile`` does."""
    y = np.sort(values)
    p = np.asarray(levels, dtype=y.dtype)
    unknown = (p > 1) | (p < 0) | np.isnan(p)
    p = np.where(unknown, 0.5, p)
    n = np.asarray(float(len(y)))
    jg = p * n + (1 - p)
    jp1 = jg // 1
    j = jp1 - 1
    g = jg % 1
    g[j < 0] = 0
    j = np.clip(j, 0.0, n - 1)
    jp1 = np.clip(jp1, 0.0, n - 1)
    out = (1 - g) * y[j.astype(np.int64)] + g * y[jp1.astype(np.int64)]
    out[unknown] = np.nan
    return out


def mean_interval(
    x: np.ndarray, confidence: float, n_resamples: int, method: str, rng: np.random.Generator, batch: int
) -> tuple[float, float]:
    """Two-sided bootstrap interval of the mean of ``x`` (at least two finite values):
    ``method`` ``"BCa"`` or ``"percentile"``; NaN ends where BCa cannot be computed."""
    x = np.asarray(x, dtype="float64")
    means = _resampled_means(x, n_resamples, batch, rng)
    alpha = (1 - confidence) / 2
    if method.lower() == "bca":
        low, high = _bca_levels(x, alpha, means, batch)
    else:
        level = np.asarray(alpha, dtype=means.dtype)
        low, high = level, 1 - level
    ends = _quantiles(means, np.stack([low, high], axis=-1))
    return float(ends[0]), float(ends[1])
