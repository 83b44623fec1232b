"""An overloaded run (demand far above what the officers can clear) still gets every output.

Issue 11, item 1: with demand x300 over one day, no investigation is ever
started or finished in either model, and ``plot`` / ``report`` crashed on
``Axis limits cannot be NaN or Inf``. The run that most needs a report must
get all six charts and the report, with a note where data is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.plots import RUN_CHARTS

CORPUS = Path(__file__).resolve().parent / "bad_scenarios"
runner = CliRunner()


def overloaded_scenario(folder: Path) -> Path:
    data = yaml.safe_load((CORPUS / "base.yaml").read_text("utf-8"))
    data.update(demand_scale=300, horizon_days=1, warmup_days=0.5, replications=2)
    path = folder / "overloaded.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.slow
def test_overloaded_run_gets_every_chart_and_the_report(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(overloaded_scenario(tmp_path)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "unstable" in result.output

    result = runner.invoke(app, ["plot", str(out)])
    assert result.exit_code == 0, result.output
    charts = sorted(p.name for p in (out / "charts").iterdir())
    assert len(charts) == len(RUN_CHARTS) == 6, charts
    assert any("investigation" in c for c in charts)

    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("<img ") >= len(RUN_CHARTS)


def test_turnaround_chart_with_no_investigation_started_or_finished(tmp_path: Path) -> None:
    """The chart itself: every wait and turnaround NaN gives a note, not a crash."""
    import math

    import matplotlib.pyplot as plt

    from sim.plots.results_charts import investigation_turnaround

    fig = investigation_turnaround(_fake_run(_never_started()))
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "no investigation was completed" in texts
    assert "none started" in texts
    for ax in fig.axes:
        assert all(math.isfinite(v) for v in (*ax.get_xlim(), *ax.get_ylim()))
    plt.close(fig)


def _never_started():
    import numpy as np
    import pandas as pd

    rows = []
    for model in ("isolated", "pooled"):
        for i in range(4):
            rows.append(
                {"replication": 0, "model": model, "township": "Taoxi",
                 "wait_hours": np.nan, "work_hours": 5.0 + i, "turnaround_hours": np.nan}
            )
    return pd.DataFrame(rows)


def _fake_run(inv):
    from types import SimpleNamespace

    # the two fields the chart reads (the real loader is exercised by the test above)
    return SimpleNamespace(investigations=inv, subtitle=lambda: "test run")
