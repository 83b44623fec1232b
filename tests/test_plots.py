"""``policesim plot``: every chart written, non-empty, the right pixel size; sweeps; bad input."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.metrics import METRICS, t_interval
from sim.models.registry import difference
from sim.plots import RUN_CHARTS, load_run, load_sweep, plot_run, plot_sweep
from sim.plots.road_map import cross_township_work, positions
from sim.plots.style import MODEL_STYLE, pixel_size
from sim.plots.sweep_charts import list_sweep_charts
from sim.results_io import INCOMPLETE
from tests.conftest import SCENARIOS

DIFFERENCE = difference("pooled")

runner = CliRunner()
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def cli(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("plots") / "wubei"
    res = cli("run", SCENARIOS / "wubei.yaml", "--days", "40", "--reps", "2", "--out", out)
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def plotted(run_dir) -> list[Path]:
    res = cli("plot", run_dir)
    assert res.exit_code == 0, res.output
    return sorted((run_dir / "charts").glob("*.png"))


# ----------------------------------------------------------------------------- run folders


def test_plot_writes_every_run_chart_non_empty_with_the_expected_pixel_size(plotted, run_dir):
    assert [p.stem for p in plotted] == [c.stem for c in RUN_CHARTS]
    for chart in RUN_CHARTS:
        path = run_dir / "charts" / f"{chart.stem}.png"
        assert path.stat().st_size > 20_000, f"{path.name} is suspiciously small"
        assert png_size(path) == pixel_size(chart.kind), path.name
    # atomic writes leave no temporary files behind
    assert not list((run_dir / "charts").glob(".*"))


def test_same_results_give_byte_identical_charts(run_dir, plotted, tmp_path):
    again = plot_run(run_dir, "png", tmp_path)
    for path in again:
        assert path.read_bytes() == (run_dir / "charts" / path.name).read_bytes(), path.name


@pytest.mark.parametrize(("fmt", "magic"), [("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_vector_formats(run_dir, tmp_path, fmt, magic):
    res = cli("plot", run_dir, "--format", fmt, "--out", tmp_path)
    assert res.exit_code == 0, res.output
    files = sorted(tmp_path.glob(f"*.{fmt}"))
    assert [p.stem for p in files] == [c.stem for c in RUN_CHARTS]
    for path in files:
        assert path.read_bytes()[:8].startswith(magic)
        assert path.stat().st_size > 5_000


def test_models_look_the_same_in_every_chart(run_dir):
    """Each model's lines and filled areas use its one colour, line style and hatch."""
    run = load_run(run_dir)
    seen = {m: 0 for m in ("isolated", "pooled")}
    for chart in RUN_CHARTS:
        fig = chart.build(run)
        for ax in fig.axes:
            for line in ax.get_lines():
                for model in seen:
                    if line.get_label().startswith(MODEL_STYLE[model]["label"]) or line.get_label(
                    ).startswith(MODEL_STYLE[model]["short"] + " ("):
                        assert line.get_color() == MODEL_STYLE[model]["color"], chart.stem
                        assert line.get_linestyle() == MODEL_STYLE[model]["linestyle"]
                        assert line.get_marker() == MODEL_STYLE[model]["marker"]
                        seen[model] += 1
            for patch in ax.patches:
                hatch = patch.get_hatch()
                for model in seen:
                    if hatch == MODEL_STYLE[model]["hatch"] and patch.get_facecolor()[3] > 0:
                        want = MODEL_STYLE[model]["color"]
                        got = "#{:02X}{:02X}{:02X}".format(
                            *[round(255 * c) for c in patch.get_facecolor()[:3]]
                        )
                        assert got == want.upper(), chart.stem
    assert seen["isolated"] >= 3 and seen["pooled"] >= 3
    # isolated and pooled differ in more than colour (black-and-white print)
    iso, pooled = MODEL_STYLE["isolated"], MODEL_STYLE["pooled"]
    for key in ("linestyle", "marker", "hatch"):
        assert iso[key] != pooled[key]


def test_target_line_in_the_response_charts(run_dir):
    run = load_run(run_dir)
    for chart in RUN_CHARTS[:3]:
        fig = chart.build(run)
        labels = [ln.get_label() for ax in fig.axes for ln in ax.get_lines()]
        assert any(f"{run.target_min:g} min" in lab for lab in labels), chart.stem


def test_tiny_run_with_almost_no_calls_still_plots(tmp_path):
    out = tmp_path / "tiny"
    # 14 warm-up days: about five hours are observed, a handful of calls
    res = cli("run", SCENARIOS / "shanghang_southeast.yaml", "--days", "14.2", "--reps", "1",
              "--out", out)
    assert res.exit_code == 0, res.output
    res = cli("plot", out)
    assert res.exit_code == 0, res.output
    for chart in RUN_CHARTS:
        assert png_size(out / "charts" / f"{chart.stem}.png") == pixel_size(chart.kind)


def test_cross_township_work_is_exact_from_the_dispatch_records(run_dir):
    run = load_run(run_dir)
    work = cross_township_work(run)
    pooled = run.incidents[run.incidents["model"] == "pooled"]
    assert set(work["station"]) == set(run.townships)
    # Exact: every other-station officer counted in n_other is someone's attendance elsewhere.
    assert work["outside_attendances"].sum() == pytest.approx(pooled["n_other"].sum())
    for row in work.itertuples():
        mine = pooled[pooled["township"] == row.station]
        assert row.helped_share == pytest.approx((mine["n_other"] > 0).mean())
        assert row.own_attendances == mine["n_own"].sum()
        assert 0 <= row.outside_share <= 1


def test_charts_take_the_models_from_the_data_in_registry_order(run_dir):
    from sim.plots.data import differences_in, models_in
    from sim.plots.road_map import cross_township_models

    run = load_run(run_dir)
    assert run.models == ["isolated", "pooled"]
    # registry order whatever the order in the data; unknown models after, differences apart
    labels = ["zeta", "pooled", "isolated - zeta", DIFFERENCE, "isolated", "pooled"]
    assert models_in(labels) == ["isolated", "pooled", "zeta"]
    assert differences_in(labels) == [DIFFERENCE, "isolated - zeta"]
    # only the model whose officers crossed township lines has cross-township work
    assert cross_township_models(run) == ["pooled"]
    assert set(cross_township_work(run)["model"]) == {"pooled"}


def test_two_models_keep_their_look_and_more_fit_the_same_slot():
    from sim.plots.results_charts import box_layout
    from sim.plots.style import DIFFERENCE_STYLE

    width, offsets = box_layout(2)
    assert width == pytest.approx(0.36) and offsets == pytest.approx([-0.2, 0.2])
    width, offsets = box_layout(3)
    assert offsets[-1] + width / 2 - (offsets[0] - width / 2) <= 0.8 + 1e-9
    assert all(MODEL_STYLE[DIFFERENCE][k] == v for k, v in DIFFERENCE_STYLE.items())


def test_map_layout_without_coordinates_is_seeded_and_keeps_given_ones():
    g = nx.Graph()
    g.add_edge("A", "B", minutes=5)
    g.add_edge("B", "C", minutes=9)
    first, second = positions(g), positions(g)
    assert first == second and set(first) == {"A", "B", "C"}
    g.nodes["A"].update(x=3.0, y=4.0)
    assert positions(g)["A"] == (3.0, 4.0)


def test_every_public_name_of_sim_plots_is_what_it_says():
    """No public function is shadowed by a submodule of the same name once imported."""
    import types

    import sim.plots

    for module in ("data", "results_charts", "road_map", "sweep_charts", "render", "progress"):
        __import__(f"sim.plots.{module}")
    for name in sim.plots.__all__:
        assert not isinstance(getattr(sim.plots, name), types.ModuleType), name


# ----------------------------------------------------------------------------- bad input


def _no_traceback(res) -> None:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)


def test_missing_folder(tmp_path):
    res = cli("plot", tmp_path / "nope")
    _no_traceback(res)
    assert "not found" in res.output


def test_folder_that_is_not_a_results_folder(tmp_path):
    res = cli("plot", tmp_path)
    _no_traceback(res)
    assert "not a policesim results folder" in res.output


def test_incomplete_run_folder(run_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken, ignore=shutil.ignore_patterns("charts"))
    (broken / INCOMPLETE).write_text("x")
    res = cli("plot", broken)
    _no_traceback(res)
    assert "INCOMPLETE" in res.output


def test_run_folder_missing_a_table(run_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken, ignore=shutil.ignore_patterns("charts"))
    (broken / "officers.parquet").unlink()
    res = cli("plot", broken)
    _no_traceback(res)
    assert "officers.parquet" in res.output


def test_damaged_table(run_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken, ignore=shutil.ignore_patterns("charts"))
    (broken / "incidents.parquet").write_bytes(b"not parquet")
    res = cli("plot", broken)
    _no_traceback(res)
    assert "cannot be read" in res.output


def test_bad_format_and_metric_options(run_dir):
    assert cli("plot", run_dir, "--format", "jpg").exit_code == 2
    res = cli("plot", run_dir, "--metric", "response_p90_min")
    _no_traceback(res)
    assert "sweep folders only" in res.output


# ----------------------------------------------------------------------------- sweep folders


def make_sweep(folder: Path, params: dict[str, list], reps: int = 3, seed: int = 0) -> Path:
    """A sweep folder written from the contract of docs/sweeps.md, with made-up metrics."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    names = list(params)
    grid = pd.MultiIndex.from_product(list(params.values()), names=names).to_frame(index=False)
    rows = []
    for point, values in grid.iterrows():
        for r in range(reps):
            base = {m: rng.uniform(5, 30) for m in METRICS}
            base["within_target_share"] = rng.uniform(0.6, 0.99)
            for model in ("isolated", "pooled"):
                row = {"point": point, "replication": r, "model": model, "seed": 1000 + point}
                row.update(values.to_dict())
                row.update({m: v * (0.9 if model == "pooled" else 1.0) + rng.normal(0, 0.3)
                            for m, v in base.items()})
                rows.append(row)
    runs = pd.DataFrame(rows)
    runs.to_parquet(folder / "runs.parquet", index=False)
    out = []
    for point, block in runs.groupby("point"):
        fixed = {"point": point, **block.iloc[0][names].to_dict()}
        by = {
            m: block[block["model"] == m].set_index("replication") for m in ("isolated", "pooled")
        }
        for model in ("isolated", "pooled", DIFFERENCE):
            for metric in METRICS:
                if model == DIFFERENCE:
                    vals = (by["isolated"][metric] - by["pooled"][metric]).to_numpy()
                else:
                    vals = by[model][metric].to_numpy()
                mean, low, high = t_interval(vals)
                out.append({**fixed, "model": model, "metric": metric, "mean": mean,
                            "ci_low": low, "ci_high": high, "n": len(vals)})
    pd.DataFrame(out).to_csv(folder / "points.csv", index=False)
    (folder / "sweep.json").write_text(json.dumps(
        {"parameters": names, "scenario_name": "synthetic", "replications": reps,
         "target": "response_p90_min"}
    ))
    return folder


@pytest.mark.parametrize(
    ("params", "heatmaps"),
    [
        ({"stations.Taoxi.officers": [6, 8, 10, 12]}, 0),
        ({"stations.Taoxi.officers": [6, 8, 10], "county_delay": ["fast", "slow"]}, 1),
        ({"a.x": [1, 2], "demand_scale": [1.0, 1.25, 1.5], "county_delay": ["fast", "slow"]}, 3),
    ],
)
def test_synthetic_sweep_charts(tmp_path, params, heatmaps):
    folder = make_sweep(tmp_path / "sweep", params)
    res = cli("plot", folder)
    assert res.exit_code == 0, res.output
    sweep = load_sweep(folder)
    charts = list_sweep_charts(sweep, "response_p90_min")
    files = sorted((folder / "charts").glob("*.png"))
    assert len(files) == len(charts) == 2 * len(params) + heatmaps
    assert sum("heatmap" in c.stem for c in charts) == heatmaps
    for chart in charts:
        path = folder / "charts" / f"{chart.stem}.png"
        assert path.stat().st_size > 10_000
        assert png_size(path) == pixel_size(chart.kind), path.name


def test_sweep_metric_option_and_stale_charts(tmp_path):
    folder = make_sweep(tmp_path / "sweep", {"demand_scale": [1, 2], "b": [3, 4]})
    assert cli("plot", folder).exit_code == 0
    res = cli("plot", folder, "--metric", "within_target_share")
    assert res.exit_code == 0, res.output
    names = [p.name for p in (folder / "charts").glob("*.png")]
    assert names and all("within_target_share" in n for n in names)  # old metric's charts gone
    res = cli("plot", folder, "--metric", "no_such_metric")
    _no_traceback(res)
    assert "unknown metric" in res.output


def test_incomplete_or_broken_sweep_folder(tmp_path):
    folder = make_sweep(tmp_path / "sweep", {"demand_scale": [1, 2]})
    (folder / INCOMPLETE).write_text("x")
    res = cli("plot", folder)
    _no_traceback(res)
    assert "--resume" in res.output
    (folder / INCOMPLETE).unlink()
    (folder / "points.csv").unlink()
    res = cli("plot", folder)
    _no_traceback(res)
    assert "points.csv" in res.output


def test_real_sweep_folder_plots(tmp_path):
    """The sweep command's own output, not only the contract."""
    out = tmp_path / "sweep"
    res = cli("sweep", SCENARIOS / "wubei.yaml", "--set", "stations.Xiangdian.officers=4,6",
              "--set", "demand_scale=1,1.5", "--reps", "2", "--workers", "1", "--out", out)
    assert res.exit_code == 0, res.output
    res = cli("plot", out)
    assert res.exit_code == 0, res.output
    sweep = load_sweep(out)
    assert sweep.target_min == 20.0
    paths = plot_sweep(sweep, "county_requests_per_30d", "png", tmp_path / "c")
    assert len(paths) == 5


# ----------------------------------------------------------------------------- progress


def test_progress_bar_counts_replications_and_sweep_tasks():
    import io

    from sim.plots import ProgressBackend, ProgressBar

    stream = io.StringIO()
    with ProgressBar(3, "replications", interval_s=0, stream=stream) as bar:
        for _ in range(3):
            bar(object())  # the on_done signature: one result argument
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("replications [") and lines[0].endswith("0/3 (0 s)")
    assert lines[-1].startswith("replications [" + "#" * 30 + "] 3/3")
    assert len(lines) == 4  # no repeated final line

    class Backend:
        def describe(self):
            return {"backend": "fake"}

        def run(self, loaded, specs, on_result):
            for s in specs:
                on_result(s)

    got = []
    bar = ProgressBar(2, stream=io.StringIO())
    wrapped = ProgressBackend(Backend(), bar)
    wrapped.run({}, ["a", "b"], got.append)
    assert got == ["a", "b"] and bar.done == 2
    assert wrapped.describe() == {"backend": "fake"}


def test_officer_time_bars_account_for_all_on_duty_time(run_dir):
    """Every state of the officer records is a bar segment: each row adds up to 100%.

    Desk and scheduled-duty time (the time budget) used to be left out, and the command
    room's officers were counted in their station's row, so bars stopped short.
    """
    from sim.plots.results_charts import officer_time_table
    from sim.plots.style import STATE_STYLE

    run = load_run(run_dir)
    table = officer_time_table(run)
    totals = table[list(STATE_STYLE)].sum(axis=1)
    assert np.allclose(totals.dropna(), 1.0), table[["row", *STATE_STYLE]]
    off = run.officers
    for role, name in (("case_team", "case team"), ("room", "command room")):
        assert (role in set(off["role"])) == (name in set(table["group"])), name


def test_bold_titles_with_chinese_names_say_nothing_about_font_weights(caplog, tmp_path):
    """A township in a bold title falls back to a CJK font's regular weight; matplotlib's
    warning about the missing bold face (one per font per chart) is dropped, others pass."""
    import logging

    from sim.plots.style import cjk_fonts, context

    if not cjk_fonts():
        pytest.skip("no CJK font installed")
    from matplotlib.figure import Figure

    with caplog.at_level(logging.WARNING, logger="matplotlib.font_manager"), context():
        fig = Figure()
        fig.add_subplot().set_title("桃溪 Taoxi", fontweight="bold")
        fig.savefig(tmp_path / "t.png")
    assert not [r for r in caplog.records if "Failed to find font weight" in r.getMessage()]
    logging.getLogger("matplotlib.font_manager").warning("findfont: Font family 'x' not found.")
    assert any("not found" in r.getMessage() for r in caplog.records), "other warnings pass"
