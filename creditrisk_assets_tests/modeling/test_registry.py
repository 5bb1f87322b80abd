"""ModelRegistry against a real SQLite MLflow store in the test's state folder."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np
import pytest

from creditrisk_assets.modeling.registry import TAG_CHECKSUM, ModelRegistry
from creditrisk_assets.modeling.scoring_model import ModelIntegrityError, ScoringModel


def _register(registry: ModelRegistry, model_dir: tuple[Path, str], partition: str) -> str:
    folder, checksum = model_dir
    with registry.candidate_run(f"candidate-{partition}", tags={"partition": partition}) as run:
        run.log_params({"max_depth": 3})
        run.log_metrics({"val_auc": 0.8})
        info = registry.register(
            run, folder, checksum, tags={"partition": partition, "pd_cutoff": 0.15}
        )
    return info.version


def test_empty_store_answers_without_error(registry: ModelRegistry, state_home: Path) -> None:
    assert registry.get_alias_version("champion") is None
    assert registry.list_versions() == []
    registry.delete_alias("champion")  # no-op on an empty store
    assert (state_home / "mlflow.db").is_file()


def test_register_load_and_aliases(
    registry: ModelRegistry, model_dir, tiny_model: ScoringModel, make_frame, state_home: Path
) -> None:
    v1 = _register(registry, model_dir, "2026-11-01")
    v2 = _register(registry, model_dir, "2026-12-01")
    assert (v1, v2) == ("1", "2")
    info = registry.version_info(v2)
    assert info.partition == "2026-12-01" and info.pd_cutoff == 0.15
    assert info.checksum == model_dir[1]
    assert registry.run_status(info.run_id) == "FINISHED"
    # artifacts live beside the SQLite file, not in the working directory
    assert info.source.startswith((state_home / "artifacts").as_uri())

    registry.set_alias("champion", v1)
    registry.set_alias("previous", v1)
    registry.set_alias("champion", v2)
    assert registry.get_alias_version("champion") == "2"
    assert registry.get_alias_version("previous") == "1"
    assert registry.version_info("champion").aliases == ("champion",)

    model = registry.load("champion", nthread=1)
    assert model.version == "2" and model.checksum == model_dir[1]
    frame = make_frame(100, seed=4)
    np.testing.assert_array_equal(model.predict_pd(frame), tiny_model.predict_pd(frame))

    registry.delete_alias("previous")
    assert registry.get_alias_version("previous") is None
    assert [v.version for v in registry.list_versions()] == ["1", "2"]


def test_unknown_version_and_bad_alias(registry: ModelRegistry, model_dir) -> None:
    _register(registry, model_dir, "2026-11-01")
    with pytest.raises(Exception, match=r"not found|does not exist|RESOURCE_DOES_NOT_EXIST"):
        registry.set_alias("champion", "9")
    with pytest.raises(ValueError, match="confused with a version"):
        registry.set_alias("3", "1")


def test_checksum_mismatch_refused_on_load(registry: ModelRegistry, model_dir) -> None:
    version = _register(registry, model_dir, "2026-11-01")
    registry.set_version_tags(version, {TAG_CHECKSUM: "0" * 64})
    with pytest.raises(ModelIntegrityError, match="expected 0000"):
        registry.load(version)


def test_failed_block_ends_run_failed(registry: ModelRegistry) -> None:
    holder = {}
    with pytest.raises(RuntimeError, match="boom"), registry.candidate_run("c-fail") as run:
        holder["id"] = run.run_id
        raise RuntimeError("boom")
    assert registry.run_status(holder["id"]) == "FAILED"
    assert registry.list_versions() == []


def test_a_version_registered_by_a_failed_block_is_an_orphan(
    registry: ModelRegistry, model_dir
) -> None:
    """The step failed after registering (say the pointer write failed): the version stays in
    the registry, tagged ``orphan`` with the reason, its run FAILED."""
    folder, checksum = model_dir
    holder = {}
    with pytest.raises(OSError, match="disk full"), registry.candidate_run("c") as run:
        holder["version"] = registry.register(run, folder, checksum, {"partition": "p"}).version
        raise OSError("disk full")
    info = registry.version_info(holder["version"])
    assert info.orphan and "OSError" in info.tags["orphan"]
    assert registry.run_status(info.run_id) == "FAILED"


def test_candidate_runs_record_their_process_and_only_running_ones_are_listed(
    registry: ModelRegistry,
) -> None:
    with registry.candidate_run("done"):
        pass
    with registry.candidate_run("open") as run:
        running = registry.running_runs()
        assert [r for r, _ in running] == [run.run_id]
        tags = running[0][1]
        assert tags["creditrisk.pid"] == str(os.getpid())
        assert tags["creditrisk.host"] == socket.gethostname()
    assert registry.running_runs() == []
