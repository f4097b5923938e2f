"""The boosted-tree file form: read back without scikit-learn, it scores exactly as the fitted estimator."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from assistant.tree_model import TreeEnsemble
from index.errors import ModelUnavailableError

FEATURES = ("a", "b", "c")


@pytest.fixture(scope="module")
def fitted() -> tuple[HistGradientBoostingClassifier, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 3))
    y = (x[:, 0] + x[:, 1] * x[:, 2] + rng.normal(scale=0.3, size=600)) > 0  # an interaction: trees need depth
    return HistGradientBoostingClassifier(max_depth=3, max_iter=40, early_stopping=False, random_state=0).fit(x, y), x


def test_the_file_form_scores_like_the_estimator(fitted: tuple[HistGradientBoostingClassifier, np.ndarray]) -> None:
    estimator, x = fitted
    trees = TreeEnsemble.from_histogram_boosting(estimator, FEATURES)
    read_back = TreeEnsemble.from_json(json.loads(json.dumps(trees.to_json())), FEATURES)
    assert read_back.depth == 3
    np.testing.assert_allclose(read_back.probabilities(x), estimator.predict_proba(x)[:, 1], atol=1e-6)
    assert read_back.probabilities(np.zeros((0, 3))).shape == (0,)


def test_a_file_fitted_on_other_features_is_refused(fitted: tuple[HistGradientBoostingClassifier, np.ndarray]) -> None:
    data = TreeEnsemble.from_histogram_boosting(fitted[0], FEATURES).to_json()
    with pytest.raises(ModelUnavailableError, match="other features"):
        TreeEnsemble.from_json(data, ("a", "b"))
    with pytest.raises(ModelUnavailableError):
        TreeEnsemble.from_json({**data, "kind": "logistic"}, FEATURES)
