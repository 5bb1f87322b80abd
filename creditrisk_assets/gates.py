"""The cross-run gate: no asset computes from an upstream partition whose blocking checks did not
pass on its current data, whichever job, sensor or person launched the run.

Why: Dagster's blocking checks stop only the downstream steps of *their own* run. A snapshot whose
``raw/application_train:contract`` failed in ``ingest_job`` could still be built on by a later
``features_job``, ``train_job`` and ``promote_job`` from the CLI, and become champion (issue 22).
The automation sensor already waits (``conditions.ON_NEW_DATA``); this gate makes the same rule
hold inside every step.

How: ``@gated`` wraps an asset's compute function (``snapshot_asset`` applies it to every asset
it declares). At step start it walks the asset's upstream graph in the code location (the run's
asset graph; ordering-only deps and what lies behind them excluded) and, for the same partition,
reads the latest evaluation of every *blocking* check on those assets in one query, plus the
latest materialization of each checked asset. An upstream check blocks when its latest evaluation

- failed with ERROR severity (WARN failures never block, as in Dagster),
- never ran, or is still only planned (its run died or is in flight) with no finished
  evaluation of the data now in place (a run queued behind, which Dagster plans at creation,
  does not void one),
- or evaluated an older materialization than the one now in place (the data changed since).

A run that rematerializes an upstream is, between its materialization and its check, a state no
other run of that snapshot should read: the run queue keeps one run per snapshot at a time
(``dagster/partition`` limit in both instance files), so a gated step never starts inside it.

Checks of upstream assets in the *same* run need no special case: Dagster orders a run's blocking
checks before the steps downstream of them, so their evaluations are in the instance when this
step starts (and a failure there already skipped this step). The walk is transitive, so a model
step names the raw check that failed rather than "the feature store never checked". Only checks
the code location defines are enforced: a test that runs one domain's assets alone is not gated
by checks that are not in its graph. Upstream assets with a different partitioning than the
gated asset are not walked (none exist; the graph is one snapshot per partition).
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Collection, Iterator
from typing import Any, TypeVar

import dagster as dg

from creditrisk_assets.gate_verdicts import REASON_RANK, Blocker, judge_checks

#: Attribute set on a gated compute function (``creditrisk_assets_tests/core/test_gates.py``
#: asserts every asset with upstream assets carries it).
GATE_ATTR = "__creditrisk_gate__"

F = TypeVar("F", bound=Callable[..., Any])

# The gate reads blocking checks per snapshot, so checks on partitioned assets are partitioned
# ("preview" in Dagster 1.13); silence only that notice, as ingest/checks.py does.
warnings.filterwarnings(
    "ignore", message="Specifying a partitions_def on an AssetCheckSpec", category=Warning
)


def ordering_only_of(asset_graph: Any, key: dg.AssetKey) -> frozenset[dg.AssetKey]:
    """The deps that only order ``key``'s asset (its ``@gated(ordering_only=...)``); empty for
    an asset that is not gated (a source) or not defined by an op (an external asset)."""
    if not asset_graph.has(key):
        return frozenset()
    assets_def = getattr(asset_graph.get(key), "assets_def", None)
    if assets_def is None or not assets_def.is_executable or not assets_def.is_materializable:
        return frozenset()
    return frozenset(getattr(assets_def.op.compute_fn.decorated_fn, GATE_ATTR, ()))


def upstream_check_scope(
    asset_graph: Any,
    keys: Collection[dg.AssetKey],
    partitions_def: dg.PartitionsDefinition | None,
    ignore: Collection[dg.AssetKey] = (),
) -> list[dg.AssetKey]:
    """The ancestors of ``keys`` whose blocking checks gate them, nearest the sources first.

    Every asset on the way up is walked through the deps it computes from, not those that only
    order it: ``ignore`` (the gated asset's own ordering-only deps) for ``keys``, and each gated
    ancestor's own ``ordering_only`` (``GATE_ATTR``) above it. So production drift, which reads
    the batch scores, is gated by what the batch scores are gated by (the feature store and the
    raw tables), never by the model chain behind their ordering-only manifest dep. Ancestors
    partitioned differently from ``keys`` (and what lies behind them) are left out too.
    """
    seen: set[dg.AssetKey] = set()
    stack = [p for k in keys for p in asset_graph.get(k).parent_keys if p not in ignore]
    while stack:
        key = stack.pop()
        if key in seen or key in keys or not asset_graph.has(key):
            continue
        node = asset_graph.get(key)
        if node.partitions_def is not None and node.partitions_def != partitions_def:
            continue
        seen.add(key)
        skip = ordering_only_of(asset_graph, key)
        stack.extend(p for p in node.parent_keys if p not in skip)
    order = {k: i for i, k in enumerate(asset_graph.toposorted_asset_keys)}
    return sorted(seen, key=lambda k: order.get(k, 0))


def blocking_checks(asset_graph: Any, asset_keys: Collection[dg.AssetKey]) -> list[Any]:
    """The blocking check nodes of ``asset_keys``, in the order of ``asset_keys``."""
    order = {k: i for i, k in enumerate(asset_keys)}
    # Not ``AssetNode.check_keys``: that holds only the checks defined with the asset itself,
    # not the separate ``@asset_check`` definitions that most checks here are.
    check_keys = asset_graph.get_check_keys_for_assets(set(asset_keys))
    nodes = [asset_graph.get(k) for k in check_keys if asset_graph.get(k).blocking]
    return sorted(nodes, key=lambda n: (order[n.key.asset_key], n.key.name))


def find_blockers(
    instance: dg.DagsterInstance,
    asset_graph: Any,
    keys: Collection[dg.AssetKey],
    partition: str | None,
    ignore: Collection[dg.AssetKey] = (),
) -> list[Blocker]:
    """Every upstream blocking check that forbids computing ``keys`` for ``partition``: the
    checks this graph puts in scope, judged on the instance by ``gate_verdicts.judge_checks``."""
    partitions_def = asset_graph.get(next(iter(keys))).partitions_def
    checks = blocking_checks(
        asset_graph, upstream_check_scope(asset_graph, keys, partitions_def, ignore)
    )
    if not checks:
        return []
    return judge_checks(instance, asset_graph, checks, partition)


def code_location_graph(context: dg.AssetExecutionContext) -> Any:
    """The asset graph the run's job was selected from (the code location's, with every check).

    Not the job's own graph: that holds only the checks the job selects, so ``features_job``
    would not see the raw checks that ``ingest_job`` ran.
    """
    return context.job_def.asset_layer.asset_graph.source_asset_graph


def require_upstream_checks_passed(
    context: dg.AssetExecutionContext, ignore: Collection[dg.AssetKey] = ()
) -> None:
    """Raise ``dg.Failure`` (no retries) naming the first blocking upstream check, the asset and
    the partition, if any upstream blocking check did not pass on this partition's current data.
    """
    keys = set(context.selected_asset_keys)
    partition = context.partition_key if context.has_partition_key else None
    blockers = find_blockers(
        context.instance, code_location_graph(context), keys, partition, ignore
    )
    if not blockers:
        return
    # A failed check is the cause to name; checks that did not finish or never ran are often
    # its consequence (a check skipped in the same run because another one failed).
    blockers.sort(key=lambda b: REASON_RANK.get(b.reason, len(REASON_RANK)))
    first = blockers[0]
    targets = ", ".join(sorted(k.to_user_string() for k in keys))
    more = f" (and {len(blockers) - 1} more upstream check(s))" if len(blockers) > 1 else ""
    raise dg.Failure(
        description=(
            f"{targets} not computed: {first.describe()}{more}. Fix the data, rematerialize "
            f"{first.check.asset_key.to_user_string()} with its checks for "
            f"{partition or 'this asset'}, then rerun."
        ),
        metadata={
            "partition": partition or "(unpartitioned)",
            "blocking_checks": dg.MetadataValue.json(
                [
                    {"check": b.name, "reason": b.reason, "run_id": b.run_id, "detail": b.detail}
                    for b in blockers
                ]
            ),
        },
        allow_retries=False,
    )


def gated(fn: F | None = None, *, ordering_only: Collection[dg.AssetKey] = ()) -> Any:
    """Decorate an asset's compute function (under ``@dg.asset``/``@dg.multi_asset``) so that it
    starts with ``require_upstream_checks_passed``; ``ordering_only`` names deps that only order
    a run (the automation condition ignores them too), whose checks do not gate this asset.

    The signature is kept (``functools.wraps``), so Dagster still injects config and resources;
    generator functions stay generators.
    """
    ignore = frozenset(ordering_only)

    def decorate(func: F) -> F:
        def context_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dg.AssetExecutionContext:
            return kwargs["context"] if "context" in kwargs else args[0]

        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def run_gen(*args: Any, **kwargs: Any) -> Iterator[Any]:
                require_upstream_checks_passed(context_of(args, kwargs), ignore)
                yield from func(*args, **kwargs)

            wrapper: Any = run_gen
        else:

            @functools.wraps(func)
            def run(*args: Any, **kwargs: Any) -> Any:
                require_upstream_checks_passed(context_of(args, kwargs), ignore)
                return func(*args, **kwargs)

            wrapper = run
        setattr(wrapper, GATE_ATTR, ignore)
        return wrapper

    return decorate(fn) if fn is not None else decorate
