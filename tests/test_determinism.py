"""Same seed, same numbers: across repeated runs, worker counts, and the two models' inputs."""

from __future__ import annotations

import pandas as pd

from sim.loader import scenario_from_dict
from sim.run_folder import prepare_folder, run_scenario, write_run
from sim.runner import run_replication
from tests.conftest import SCENARIOS, scenario_dict

STREAM_COLUMNS = [
    "incident",
    "call_min",
    "type",
    "township",
    "village",
    "priority",
    "officers_required",
    "on_scene_min",
]


def _small_wubei(seed: int = 11):
    doc = scenario_dict("wubei.yaml")
    doc.update(horizon_days=40, warmup_days=5, replications=3, seed=seed)
    return scenario_from_dict(doc, SCENARIOS / "wubei.yaml")


def _summary_bytes(tmp_path, name: str, workers: int, seed: int = 11) -> bytes:
    loaded = _small_wubei(seed)
    out = tmp_path / name
    prepare_folder(out, force=False)
    write_run(out, loaded, run_scenario(loaded, workers=workers))
    return (out / "summary.csv").read_bytes() + (out / "replications.csv").read_bytes()


def test_same_seed_gives_byte_identical_summaries(tmp_path):
    assert _summary_bytes(tmp_path, "a", workers=1) == _summary_bytes(tmp_path, "b", workers=1)


def test_worker_count_does_not_change_the_numbers(tmp_path):
    assert _summary_bytes(tmp_path, "one", workers=1) == _summary_bytes(tmp_path, "two", workers=2)


def test_another_seed_gives_other_numbers(tmp_path):
    assert _summary_bytes(tmp_path, "a", workers=1) != _summary_bytes(
        tmp_path, "c", workers=1, seed=12
    )


def test_both_models_receive_the_same_incident_stream():
    result = run_replication(_small_wubei(), replication=1)
    inc = result.incidents
    iso = inc[inc["model"] == "isolated"][STREAM_COLUMNS].reset_index(drop=True)
    pooled = inc[inc["model"] == "pooled"][STREAM_COLUMNS].reset_index(drop=True)
    assert len(iso) > 100
    pd.testing.assert_frame_equal(iso, pooled)


def test_a_replication_does_not_depend_on_which_others_ran():
    loaded = _small_wubei()
    alone = run_replication(loaded, replication=2)
    again = run_replication(loaded, replication=2)
    pd.testing.assert_frame_equal(alone.incidents, again.incidents)
    assert alone.stream_digest == again.stream_digest
    assert alone.stream_digest != run_replication(loaded, replication=0).stream_digest
