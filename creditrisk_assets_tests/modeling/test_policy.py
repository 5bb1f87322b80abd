"""Decision policy: cut-off semantics, bad input (grades: ``test_prediction``)."""

from __future__ import annotations

import numpy as np
import pytest

from creditrisk_assets.modeling import policy
from creditrisk_assets.modeling.policy import DecisionPolicy


def test_decide_at_and_around_cutoff() -> None:
    p = DecisionPolicy(cutoff=0.2)
    assert p.decide(0.1999) == "approve"
    assert p.decide(0.2) == "decline"  # at the cut-off: decline
    assert list(p.decide_many([0.0, 0.2, 1.0])) == ["approve", "decline", "decline"]
    assert p.approved(np.array([0.1, 0.3])).tolist() == [True, False]


def test_bad_values_refused() -> None:
    with pytest.raises(ValueError, match=r"positions \[1\]"):
        DecisionPolicy(0.15).decide_many([0.1, np.nan])
    with pytest.raises(ValueError, match="strictly between"):
        DecisionPolicy(1.5)
    with pytest.raises(ValueError, match="probabilities"):
        DecisionPolicy(0.15).decide(-0.1)


def test_default_cutoff_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert policy.default_cutoff() == policy.DEFAULT_PD_CUTOFF
    monkeypatch.setenv("CREDITRISK_PD_CUTOFF", "0.3")
    assert policy.decide(0.25) == "approve"
    monkeypatch.setenv("CREDITRISK_PD_CUTOFF", "0")
    with pytest.raises(ValueError, match="strictly between"):
        policy.default_cutoff()
