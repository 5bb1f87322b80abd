"""Risk domain: what a credit-risk officer and a model validator need from the platform.

Pure functions and versioned data files, no Dagster assets (the asset, API and CLI layers wire
them in): the protected-attribute policy (``protected``, with the SQL lineage scan in
``lineage``), the reason catalogue (``reasons``), the rating master scale (``master_scale``),
validation statistics (``statistics``), the validation pack (``validation_pack``) and the
approval record (``approval``). Submodules are imported by name; this package imports nothing,
so a light consumer (the API) does not pay for matplotlib or scipy it does not use.
"""
