"""Recovery from killed runs: nothing a dead process left behind may wedge the platform.

- ``liveness.py``: is a Dagster run, or the process of one of its steps, still alive?
- ``launcher.py``: ``LocalRunLauncher``, the embedded profile's run launcher, which lets the
  daemon's run monitoring see that a run's worker process is gone (Dagster's default launcher
  cannot), so a ``kill -9``'d run is marked failed and the run queue moves;
- ``sweep.py``: what the next candidate step clears first: MLflow runs a dead step left
  RUNNING (ended FAILED), the model versions they registered (tagged ``orphan``, never
  promoted), and the temporary folders dead steps left.

Stale temporary files in the lake are the lake's own to clear (``Lake.write_partition``).
"""
