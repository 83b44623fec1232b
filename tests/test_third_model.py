"""A third operating model flows through every output without touching ``sim``.

Issue 10: a model registered as docs/CONTRIBUTING.md describes used to run and then
vanish (``model = NaN`` in the records, missing from the summary, the table, the charts
and the report). Here :mod:`tests.thirdmodel` registers one for the duration of the
test and runs it through ``run``, ``plot`` and ``report`` in process.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.loader import load_scenario
from sim.models import registry
from sim.plots import RUN_CHARTS, load_run, load_sweep
from sim.plots.style import MODEL_STYLE, pixel_size
from sim.plots.sweep_charts import list_sweep_charts
from sim.results_io import read_results
from sim.runner import run_replication
from tests.conftest import SCENARIOS, scenario_dict
from tests.test_plots import png_size
from tests.thirdmodel import NAME, third_model

runner = CliRunner()
MODELS = ("isolated", "pooled", NAME)
DIFFS = ("isolated - pooled", f"isolated - {NAME}")


@pytest.fixture(scope="module")
def third_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("third") / "run"
    with third_model():
        res = runner.invoke(app, ["run", str(SCENARIOS / "wubei.yaml"), "--days", "20",
                                  "--reps", "3", "--out", str(out), "--json"])
        assert res.exit_code == 0, res.output
        plot = runner.invoke(app, ["plot", str(out), "--format", "svg"])
        report = runner.invoke(app, ["report", str(out)])
    return out, res.stdout, plot, report


def test_registering_a_model_leaves_the_others_numbers_alone():
    loaded = load_scenario(
        SCENARIOS / "wubei.yaml", overrides={"horizon_days": 20, "warmup_days": 2}
    )
    before = run_replication(loaded, 0).incidents
    with third_model():
        after = run_replication(loaded, 0).incidents
    assert list(after["model"].cat.categories) == list(MODELS)
    for model in ("isolated", "pooled"):
        a = before[before["model"] == model].drop(columns="model").reset_index(drop=True)
        b = after[after["model"] == model].drop(columns="model").reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)  # fixed stream ids, not list positions
    assert (after["model"] == NAME).sum() == (after["model"] == "pooled").sum()
    assert registry.names() == ("isolated", "pooled")  # unregistered after the block


def test_records_and_summary_hold_the_third_model(third_run):
    out, _, _, _ = third_run
    res = read_results(out)
    assert set(res["incidents"]["model"].astype(str)) == set(MODELS)
    assert res["incidents"]["model"].notna().all()
    assert {*MODELS, *DIFFS} <= set(res["summary"]["model"])


def test_json_and_table_compare_every_model_with_the_baseline(third_run):
    _, stdout, _, _ = third_run
    doc = json.loads(stdout)
    assert {*MODELS, *DIFFS} <= set(doc["models"])
    assert set(doc["comparisons"]) == {"pooled", NAME}
    assert NAME in doc["comparisons"][NAME]["bottom_line"]


def test_cli_table_has_a_column_per_model_and_difference(third_run, capsys):
    from rich.console import Console

    from sim.cli import comparison_table

    out, _, _, _ = third_run
    with third_model():
        table = comparison_table(read_results(out)["summary"], "t")
    headers = [c.header for c in table.columns]
    assert headers[1:4] == list(MODELS)
    assert f"isolated - {NAME} (paired)" in headers and f"better ({NAME})" in headers
    Console(width=300).print(table)


def _names(model: str) -> re.Pattern[str]:
    """A model's legend label or its short name as a whole word (``pooled`` is not in
    ``pooled_no_assist``)."""
    style = MODEL_STYLE[model]
    short = re.escape(style["short"])
    return re.compile(rf"{re.escape(style['label'])}|(?<![\w-]){short}(?![\w-])")


def _texts(fig) -> dict[str, list[str]]:
    """A figure's words by place: legend entries, and the rest of its axes (ticks, labels)."""
    legend, axes = [], []
    for ax in fig.axes:
        if ax.get_legend() is not None:
            legend += [t.get_text() for t in ax.get_legend().get_texts()]
        axes += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        axes += [t.get_text() for t in ax.texts] + [ax.get_title("left")]
    return {"legend": legend, "axes": axes}


def assert_every_model_shown(fig, name: str, shipped: str = "pooled") -> None:
    """Wherever chart ``name`` names the shipped ``pooled`` model, it names the third one too.

    Legend first (a chart with a legend of models must list all of them), else the
    axes' text (tick labels of bars, station labels of the map). A chart that names
    no model at all fails: it would not be checked.
    """
    texts = _texts(fig)
    place = "legend" if any(_names(shipped).search(t) for t in texts["legend"]) else "axes"
    words = "\n".join(texts[place])
    assert _names(shipped).search(words), f"{name}: names no model, so cannot be checked"
    assert _names(NAME).search(words), f"{name}: the third model is missing from its {place}"


def test_charts_show_the_third_model(third_run):
    out, _, plot, _ = third_run
    assert plot.exit_code == 0, plot.output
    assert sorted(p.stem for p in (out / "charts").glob("*.svg")) == [c.stem for c in RUN_CHARTS]
    with third_model():
        run = load_run(out)
        assert run.models == list(MODELS)
        for chart in RUN_CHARTS:
            assert_every_model_shown(chart.build(run), chart.stem)
        # the written files too: matplotlib keeps each text as a comment beside its outlines
        for chart in RUN_CHARTS:
            svg = (out / "charts" / f"{chart.stem}.svg").read_text(encoding="utf-8")
            assert _names(NAME).search(svg), chart.stem


def test_a_sweep_with_the_third_model_charts_it(tmp_path):
    doc = scenario_dict("wubei.yaml") | {"horizon_days": 20, "warmup_days": 2}
    scenario = tmp_path / "wubei_short.yaml"
    scenario.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "sweep"
    with third_model():
        res = runner.invoke(app, ["sweep", str(scenario), "--set", "demand_scale=1,2",
                                  "--set", "stations.Taoxi.officers=6,8", "--reps", "2",
                                  "--workers", "1", "--out", str(out)])
        assert res.exit_code == 0, res.output
        plot = runner.invoke(app, ["plot", str(out)])
        assert plot.exit_code == 0, plot.output
        sweep = load_sweep(out)
        assert sweep.models == list(MODELS)
        assert sweep.differences == list(DIFFS)
        charts = list_sweep_charts(sweep, "response_p90_min")
        assert sorted(p.stem for p in (out / "charts").glob("*.png")) == sorted(
            c.stem for c in charts
        )
        assert sum("heatmap" in c.stem for c in charts) == 1
        for chart in charts:
            fig = chart.build(sweep)
            assert png_size(out / "charts" / f"{chart.stem}.png") == pixel_size(chart.kind)
            texts = _texts(fig)
            legend, axes = "\n".join(texts["legend"]), "\n".join(texts["axes"])
            if "heatmap" in chart.stem:  # one map per model, then one per paired difference
                assert all(_names(m).search(axes) for m in MODELS), chart.stem
                assert all(f"{d} (paired)" in axes for d in DIFFS), chart.stem
            elif "difference" in chart.stem:  # one line per paired difference
                assert all(f"{d} (paired)" in legend for d in DIFFS), chart.stem
            else:
                assert all(_names(m).search(legend) for m in MODELS), chart.stem


def test_report_compares_the_third_model(third_run):
    out, _, _, report = third_run
    assert report.exit_code == 0, report.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f"isolated - {NAME} (paired)" in html
    assert f"{NAME} is better on" in html
    # the title names every model of the run by its label, not the shipped two only
    title = html.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert "joint station, case team never assists" in title, title


def test_models_the_registry_does_not_know_are_drawn_apart_and_stably():
    a, b = registry.style("model_a"), registry.style("model_b")
    assert a["color"] != b["color"]
    assert registry.style("model_a") == a  # the same colour in every chart and run
    assert registry.style("pooled")["color"] == "#0072B2"  # registered styles unchanged


def test_the_registry_refuses_a_taken_name_or_stream_id():
    from sim.models.registry import OperatingModel, register

    with pytest.raises(ValueError, match="already registered"):
        register(OperatingModel("pooled", lambda loaded: None, stream_id=99))
    with pytest.raises(ValueError, match="stream id 1"):
        register(OperatingModel("another", lambda loaded: None, stream_id=1))
    with pytest.raises(ValueError, match="must not contain"):
        register(OperatingModel("a - b", lambda loaded: None, stream_id=98))
    assert registry.names() == ("isolated", "pooled")


def test_worker_processes_run_a_model_registered_at_run_time(tmp_path, third_run):
    """``--workers 2`` runs on fresh worker processes that import only the shipped models;
    the command sends its registered ones with each task, so the third model is simulated
    there too, with the numbers the in-process run gives (not silently left out)."""
    out = tmp_path / "w2"
    with third_model():
        res = runner.invoke(app, ["run", str(SCENARIOS / "wubei.yaml"), "--days", "20",
                                  "--reps", "3", "--workers", "2", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    assert registry.names() == ("isolated", "pooled"), "the test's registry is restored"
    one, two = (read_results(folder) for folder in (third_run[0], out))
    assert set(two["summary"]["model"]) == {*MODELS, *DIFFS}
    for table in ("summary", "incidents"):
        pd.testing.assert_frame_equal(one[table], two[table])


def test_adopting_the_senders_models_refuses_a_different_one_of_the_same_name():
    from dataclasses import replace

    from sim.models.registry import adopt
    from tests.thirdmodel import THIRD

    with third_model():
        adopt(registry.MODELS.values())  # the same models: nothing to do
        with pytest.raises(ValueError, match="differs between this worker"):
            adopt([replace(THIRD, label="another definition")])
    adopt([THIRD])  # a worker lacking it registers it, after the shipped ones
    try:
        assert registry.names() == ("isolated", "pooled", NAME)
    finally:
        registry.MODELS.pop(NAME)


def test_a_run_of_named_models_gives_their_numbers_and_no_others():
    loaded = load_scenario(
        SCENARIOS / "wubei.yaml", overrides={"horizon_days": 10, "warmup_days": 1}
    )
    with third_model():
        every = run_replication(loaded, 0)
        pair = run_replication(loaded, 0, models=("pooled", "isolated"))
        with pytest.raises(KeyError, match="no operating model named 'pooled_x'"):
            run_replication(loaded, 0, models=("pooled_x",))
    assert set(pair.incidents["model"]) == {"isolated", "pooled"}
    assert set(pair.metrics["model"]) == {"isolated", "pooled"}
    kept = every.incidents[every.incidents["model"] != NAME].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        kept.astype({"model": str}), pair.incidents.astype({"model": str})
    )  # the registry's order, and a model's numbers do not depend on who runs beside it


def test_attribute_design_and_staff_simulate_only_the_reform_pair(tmp_path, monkeypatch):
    # They read the reform pair only: a third registered model would cost time for nothing.
    from sim.attribution import run_attribution
    from sim.design.simulate import Runner
    from sim.models import REFORM
    from sim.sweep import tasks

    ran: list[tuple[str, ...]] = []
    real = tasks.run_replication
    monkeypatch.setattr(
        tasks, "run_replication",
        lambda *a, **k: ran.append(k["models"]) or real(*a, **k),
    )
    with third_model():
        att = run_attribution(
            SCENARIOS / "wubei.yaml", {"horizon_days": 3, "warmup_days": 0, "replications": 1}
        )
        loaded = load_scenario(
            SCENARIOS / "wubei.yaml", overrides={"horizon_days": 3, "warmup_days": 0}
        )
        stored = Runner(tmp_path / "design", workers=1).run({"v": loaded}, 1)
    assert ran and set(ran) == {tuple(REFORM)}
    assert set(att.runs["all mechanisms"].incidents["model"]) == set(REFORM)
    assert set(stored["v"][0]) == set(REFORM)
