"""The true PD is a function of the written records only: recomputing it from the CSV files
(application columns plus per-applicant aggregates of the history tables) gives the oracle."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def test_oracle_recomputed_from_the_files(
    tables: dict[str, pd.DataFrame],
    oracle: pd.DataFrame,
    recompute_pd: Callable[..., pd.Series],
) -> None:
    recomputed = recompute_pd(tables)
    expected = oracle.set_index("SK_ID_CURR")["TRUE_PD"].reindex(recomputed.index).to_numpy()
    np.testing.assert_allclose(recomputed.to_numpy(), expected, rtol=1e-9, atol=1e-12)
