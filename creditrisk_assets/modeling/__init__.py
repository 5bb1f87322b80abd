"""Modeling domain: train the PD model, register it in MLflow, evaluate it, check it.

Public, stable pieces other domains use: ``ScoringModel`` (scoring_model), ``DecisionPolicy``
(policy), the metric functions (metrics) and ``ModelRegistry`` (resources.registry).
"""
