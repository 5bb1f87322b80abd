"""The cross-run gate (``creditrisk_assets.gates``) on a two-asset probe graph, run after run on one
instance, and its coverage of the real code location: every asset with upstream assets is gated,
and every blocking check can be read per snapshot."""
# No `from __future__ import annotations`: Dagster reads the config annotation of the probe check.

import dagster as dg
import pytest

from creditrisk_assets.definitions import defs
from creditrisk_assets.gates import GATE_ATTR, gated, upstream_check_scope
from creditrisk_assets.keys import (
    BATCH_SCORES,
    CANDIDATE,
    DECISION_LOG,
    DEPLOY_MANIFEST,
    FEATURE_STORE,
    PRODUCTION_DRIFT,
)
from creditrisk_assets.partitions import register_snapshot, snapshot_partitions

P = "2026-11-01"
UP = dg.AssetKey(["probe", "up"])
DOWN = dg.AssetKey(["probe", "down"])
AFTER = dg.AssetKey(["probe", "after"])
TOP = dg.AssetKey(["probe", "top"])


class Verdict(dg.Config):
    passed: bool = True
    warn_only: bool = False


@dg.asset(key=UP, partitions_def=snapshot_partitions)
def up() -> None:
    return None


@dg.asset_check(asset=UP, name="ok", blocking=True, partitions_def=snapshot_partitions)
def up_ok(config: Verdict) -> dg.AssetCheckResult:
    severity = dg.AssetCheckSeverity.WARN if config.warn_only else dg.AssetCheckSeverity.ERROR
    return dg.AssetCheckResult(passed=config.passed, severity=severity, description="probe says")


@dg.asset(key=DOWN, deps=[UP], partitions_def=snapshot_partitions)
@gated
def down(context: dg.AssetExecutionContext) -> None:
    context.log.info("computed")


@dg.asset(key=AFTER, deps=[UP], partitions_def=snapshot_partitions)
@gated(ordering_only=[UP])
def after(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"partition": context.partition_key})


# Reads ``after``, which UP only orders: like production drift reading the batch scores, whose
# manifest dep only orders them.
@dg.asset(key=TOP, deps=[AFTER], partitions_def=snapshot_partitions)
@gated
def top(context: dg.AssetExecutionContext) -> None:
    context.log.info("computed")


ASSETS = [up, up_ok, down, after, top]


@pytest.fixture
def instance() -> dg.DagsterInstance:
    inst = dg.DagsterInstance.ephemeral()
    register_snapshot(inst, P)
    return inst


UP_AND_CHECK = dg.AssetSelection.assets(UP)  # an asset selection includes its checks
UP_ONLY = dg.AssetSelection.assets(UP).without_checks()


def _run(instance, selection, passed=True, warn_only=False) -> dg.ExecuteInProcessResult:
    config = {"ops": {"probe__up_ok": {"config": {"passed": passed, "warn_only": warn_only}}}}
    return dg.materialize(
        ASSETS,
        selection=selection,
        partition_key=P,
        instance=instance,
        run_config=config if selection is UP_AND_CHECK else None,
        raise_on_error=False,
    )


def _refusal(result: dg.ExecuteInProcessResult) -> str:
    assert not result.success
    (failure,) = result.get_step_failure_events()
    return failure.step_failure_data.user_failure_data.description


def test_a_failed_check_in_an_earlier_run_refuses_the_downstream_step(instance):
    first = _run(instance, UP_AND_CHECK, passed=False)
    assert not first.success  # the blocking check failed in its own run
    second = _run(instance, [DOWN])
    message = _refusal(second)
    assert "probe/up:ok failed for 2026-11-01" in message
    assert first.run_id[:8] in message and "probe says" in message
    assert not second.asset_materializations_for_node("probe__down")


def test_a_check_that_never_ran_refuses(instance):
    assert _run(instance, UP_ONLY).success  # the asset alone, without its check
    assert "probe/up:ok never ran for 2026-11-01" in _refusal(_run(instance, [DOWN]))


def test_a_check_on_older_data_refuses_after_the_asset_changed(instance):
    assert _run(instance, UP_AND_CHECK).success
    assert _run(instance, UP_ONLY).success  # new data, not checked
    assert "did not run on the current data" in _refusal(_run(instance, [DOWN]))


def test_a_passed_check_lets_a_later_run_compute(instance):
    assert _run(instance, UP_AND_CHECK).success
    result = _run(instance, [DOWN])
    assert result.success and result.asset_materializations_for_node("probe__down")


def test_a_warning_failure_does_not_block(instance):
    assert _run(instance, UP_AND_CHECK, passed=False, warn_only=True).success
    assert _run(instance, [DOWN]).success


def test_a_fixed_and_rechecked_partition_is_unblocked(instance):
    _run(instance, UP_AND_CHECK, passed=False)
    assert not _run(instance, [DOWN]).success
    assert _run(instance, UP_AND_CHECK).success
    assert _run(instance, [DOWN]).success


def _plan_recheck(instance) -> None:
    """A run created to rematerialize UP with its check, not started: Dagster plans its check
    (and materialization) at creation, as for a run the daemon has queued."""
    job = dg.define_asset_job(
        "recheck_up", selection=UP_AND_CHECK, partitions_def=snapshot_partitions
    )
    job_def = dg.Definitions(assets=ASSETS, jobs=[job]).resolve_job_def("recheck_up")
    run = instance.create_run_for_job(job_def, tags={"dagster/partition": P})
    planned = instance.all_logs(
        run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED
    )
    assert planned, "the queued run planned no check: the case below would not be exercised"


def test_a_run_queued_to_recheck_does_not_void_a_finished_evaluation(instance):
    """Seen on the production topology: automation queued a feature-store run while a relaunch
    was between its checked feature store and the steps below it, which were then refused."""
    assert _run(instance, UP_AND_CHECK).success
    _plan_recheck(instance)
    result = _run(instance, [DOWN])
    assert result.success and result.asset_materializations_for_node("probe__down")


def test_a_planned_check_still_refuses_when_no_finished_evaluation_is_of_the_current_data(
    instance,
):
    assert _run(instance, UP_AND_CHECK).success
    assert _run(instance, UP_ONLY).success  # new data, then a recheck planned but not run
    _plan_recheck(instance)
    assert "probe/up:ok did not finish for 2026-11-01" in _refusal(_run(instance, [DOWN]))


def test_a_failed_evaluation_still_refuses_behind_a_planned_recheck(instance):
    _run(instance, UP_AND_CHECK, passed=False)
    _plan_recheck(instance)
    assert "probe/up:ok failed for 2026-11-01" in _refusal(_run(instance, [DOWN]))


def test_ordering_only_deps_do_not_gate(instance):
    _run(instance, UP_AND_CHECK, passed=False)
    assert _run(instance, [AFTER]).success


def test_an_ancestors_ordering_only_deps_do_not_gate_what_reads_it(instance):
    """The walk up honours each gated ancestor's own ordering-only deps: ``top`` reads
    ``after``, which UP only orders, so UP's failed check is not ``top``'s business."""
    _run(instance, UP_AND_CHECK, passed=False)
    assert _run(instance, [AFTER]).success
    result = _run(instance, [TOP])
    assert result.success and result.asset_materializations_for_node("probe__top")


def test_the_walk_stops_at_each_ancestors_ordering_only_deps():
    graph = dg.Definitions(assets=ASSETS).resolve_asset_graph()
    assert upstream_check_scope(graph, {TOP}, snapshot_partitions) == [AFTER]
    assert upstream_check_scope(graph, {DOWN}, snapshot_partitions) == [UP]
    assert upstream_check_scope(graph, {AFTER}, snapshot_partitions, ignore={UP}) == []


def test_production_drift_is_gated_by_what_the_batch_scores_read_not_the_model_chain():
    graph = defs.resolve_asset_graph()
    scope = set(
        upstream_check_scope(graph, {PRODUCTION_DRIFT}, snapshot_partitions, {DECISION_LOG})
    )
    assert {FEATURE_STORE, BATCH_SCORES} <= scope
    assert DEPLOY_MANIFEST not in scope and CANDIDATE not in scope
    assert DECISION_LOG not in scope
    assert any(k.path[0] == "raw" for k in scope)


def test_every_asset_with_upstream_assets_in_the_code_location_is_gated():
    graph = defs.resolve_asset_graph()
    ungated = []
    for assets_def in graph.assets_defs:
        if not assets_def.is_materializable or not assets_def.is_executable:
            continue
        if not any(graph.get(k).parent_keys - set(assets_def.keys) for k in assets_def.keys):
            continue
        fn = assets_def.op.compute_fn.decorated_fn
        if not hasattr(fn, GATE_ATTR):
            ungated.append(assets_def.op.name)
    assert not ungated, f"assets computing from upstream assets without @gated: {ungated}"


def test_every_blocking_check_is_per_snapshot_like_its_asset():
    """The gate reads a check's evaluation for one partition: an unpartitioned check on a
    partitioned asset would read as "never ran" for every snapshot."""
    graph = defs.resolve_asset_graph()
    wrong = [
        key.to_user_string()
        for key in graph.asset_check_keys
        if graph.get(key).blocking
        and graph.get(key).partitions_def != graph.get(key.asset_key).partitions_def
    ]
    assert not wrong
