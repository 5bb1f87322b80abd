"""The ``/predict`` fast path: the layer that makes large batches and single rows cheap.

Everything here is an optimisation under one rule: it may only ever give the answers the plain
path gives (pydantic parsing, XGBoost's own passes), faster, and where it cannot be sure it
answers ``None`` and the plain path takes over. Validity and error messages stay the request
models' (``serving/api_models.py``); predictions stay ``serving/scoring.py``'s. Which path a
body takes is decided in one place, ``serving/dispatch.py``.

- ``reader.py``: bodies straight into the model's float32 matrix, by orjson (small bodies,
  ``rows`` objects) or simdjson (large ``columns`` + ``data`` bodies, planned as chunks);
  ``json_rows.py`` holds its byte-level work (chunk cutting, nulls, simdjson parsers).
- ``batches.py``: a large body scored chunk by chunk on worker threads while the request
  thread parses the next chunk.
- ``tree_paths.py``: margins and approximate (Saabas) reason codes from each row's leaves, one
  pass over the trees instead of XGBoost's two; checked against XGBoost when a model loads.
- ``tree_shap.py``: exact TreeSHAP tables per leaf, built and checked against XGBoost when a
  model loads; ``shap_lookup.py`` reads them for requests of up to ``tree_shap.MAX_ROWS`` rows.
- ``memory.py``: process-wide tuning, glibc's malloc thresholds (large buffers reused, not
  faulted in afresh) and ``gc.freeze`` of the start-up objects.

The measurements behind each choice are in benchmarks/RESULTS.md, "Scoring API".
"""
