"""Heavy libraries imported on first use, not when the code location loads.

Every Dagster process (each ``dagster job execute``, each run the daemon launches, the webserver)
imports ``creditrisk_assets.definitions``. scipy.stats (also through xgboost, which imports
scikit-learn) and matplotlib's pyplot were about half of that import's CPU
(``python -X importtime``), yet only the training, evaluation, risk and pack steps use them. A
module-level name bound to a :class:`LazyModule` keeps those modules' code unchanged
(``stats.norm.sf(z)``, ``plt.subplots()``) while the import waits for the first attribute.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for module ``name``; imports it (after ``prepare``) on first attribute access."""

    def __init__(self, name: str, prepare: Callable[[], None] | None = None) -> None:
        self._name, self._prepare = name, prepare
        self._module: ModuleType | None = None
        self._lock = threading.Lock()

    def _load(self) -> ModuleType:
        with self._lock:
            if self._module is None:
                if self._prepare is not None:
                    self._prepare()
                self._module = importlib.import_module(self._name)
            return self._module

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._module or self._load(), attr)


def _agg_backend() -> None:
    import matplotlib

    matplotlib.use("Agg")  # before pyplot: headless workers and CI have no display


#: ``scipy.stats``
stats: Any = LazyModule("scipy.stats")
#: ``xgboost`` (it imports scikit-learn, and that imports scipy.stats)
xgboost: Any = LazyModule("xgboost")
#: ``matplotlib.pyplot`` on the Agg backend
pyplot: Any = LazyModule("matplotlib.pyplot", _agg_backend)
