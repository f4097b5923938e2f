"""A boosted-tree classifier in file form: shallow regression trees whose summed leaves give a log-odds.

Fitted offline with scikit-learn's `HistGradientBoostingClassifier` (`eval/fit_answer_model.py`) and read back
here without scikit-learn: every tree is padded to the same node count and walked for all rows and all trees at
once, one level per step, so scoring a sentence's candidates costs a few array operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from index.errors import ModelUnavailableError


def sigmoid(log_odds: np.ndarray) -> np.ndarray:
    """Probabilities from log-odds (what both answer models output)."""
    return 1.0 / (1.0 + np.exp(-log_odds))


def require_features(found: list[str], expected: tuple[str, ...], model: str) -> None:
    """A ModelUnavailableError unless a model file section was fitted on the `expected` features."""
    if tuple(found) != expected:
        raise ModelUnavailableError(
            f"The {model} was fitted on other features than this version computes; "
            "run `python eval/fit_answer_model.py` (or unset RAG_EVIDENCE_MODEL)."
        )


@dataclass(frozen=True)
class TreeEnsemble:
    """Trees over named features: node arrays of shape (trees, nodes); a leaf points to itself."""

    features: tuple[str, ...]
    baseline: float
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    depth: int

    def probabilities(self, matrix: np.ndarray) -> np.ndarray:
        """P(positive) for each row of a feature matrix."""
        if not len(matrix):
            return np.zeros(0)
        trees = np.arange(self.feature.shape[0])[None, :]
        rows = np.arange(len(matrix))[:, None]
        node = np.zeros((len(matrix), self.feature.shape[0]), dtype=np.int64)
        for _ in range(self.depth):
            goes_left = matrix[rows, self.feature[trees, node]] <= self.threshold[trees, node]
            node = np.where(goes_left, self.left[trees, node], self.right[trees, node])
        return sigmoid(self.baseline + self.value[trees, node].sum(axis=1))

    @classmethod
    def from_histogram_boosting(cls, estimator: Any, features: tuple[str, ...]) -> TreeEnsemble:
        """The trees of a fitted binary `HistGradientBoostingClassifier` on numeric features without gaps."""
        nodes = [predictors[0].nodes for predictors in estimator._predictors]
        width = max(len(tree) for tree in nodes)
        shape = (len(nodes), width)
        feature, left, right = np.zeros(shape, np.int64), np.zeros(shape, np.int64), np.zeros(shape, np.int64)
        threshold, value = np.zeros(shape), np.zeros(shape)
        for t, tree in enumerate(nodes):
            own = np.arange(width)
            leaf = np.ones(width, dtype=bool)
            leaf[: len(tree)] = tree["is_leaf"].astype(bool)
            feature[t, : len(tree)] = tree["feature_idx"]
            threshold[t, : len(tree)] = tree["num_threshold"]
            value[t, : len(tree)] = tree["value"]
            left[t] = np.where(leaf, own, np.pad(tree["left"].astype(np.int64), (0, width - len(tree))))
            right[t] = np.where(leaf, own, np.pad(tree["right"].astype(np.int64), (0, width - len(tree))))
        depth = int(max(tree["depth"].max() for tree in nodes))
        baseline = float(np.ravel(estimator._baseline_prediction)[0])
        return cls(features, baseline, feature, threshold, left, right, value, depth)

    def to_json(self) -> dict:
        """The file form."""
        return {
            "kind": "boosted_trees",
            "features": list(self.features),
            "baseline": self.baseline,
            "depth": self.depth,
            "trees": [
                {
                    "feature": self.feature[t].tolist(),
                    "threshold": self.threshold[t].tolist(),
                    "left": self.left[t].tolist(),
                    "right": self.right[t].tolist(),
                    "value": self.value[t].round(8).tolist(),
                }
                for t in range(self.feature.shape[0])
            ],
        }

    @classmethod
    def from_json(cls, data: dict, expected: tuple[str, ...]) -> TreeEnsemble:
        """The model of a file section; a ModelUnavailableError when it was fitted on other features."""
        trees_of = data["features"] if data.get("kind") == "boosted_trees" else []  # an older logistic section: none
        require_features(trees_of, expected, "short-answer model")
        trees = data["trees"]

        def column(name: str, dtype: type) -> np.ndarray:
            return np.array([tree[name] for tree in trees], dtype=dtype)

        return cls(
            expected,
            float(data["baseline"]),
            column("feature", np.int64),
            column("threshold", np.float64),
            column("left", np.int64),
            column("right", np.int64),
            column("value", np.float64),
            int(data["depth"]),
        )
