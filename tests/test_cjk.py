"""Chinese station and village names: charts render them, CSVs carry them to Excel.

Issue 11, item 8. A copy of the corpus base with Chinese ids (桃溪, 永平) goes
through ``run``, ``plot`` and ``report``. With a CJK font installed (the
``[cjk]`` extra, which the test extra installs, or a system font such as
Debian's fonts-noto-cjk) no glyph may be missing; without one, a single warning
names how to install one. Every CSV output starts with a UTF-8 byte-order mark
(Excel otherwise guesses the code page) and reads back with the names intact.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.plots import style
from sim.plots.style import figure_bytes, new_figure
from sim.results_io import read_results

CORPUS = Path(__file__).resolve().parent / "bad_scenarios"
BOM = b"\xef\xbb\xbf"
runner = CliRunner()


@pytest.fixture(scope="module")
def chinese_scenario(tmp_path_factory) -> Path:
    text = (CORPUS / "base.yaml").read_text("utf-8")
    text = text.replace("Taoxi", "桃溪").replace("Yongping", "永平").replace("Dahe", "大禾")
    path = tmp_path_factory.mktemp("cjk") / "chinese.yaml"
    path.write_text(text.replace("replications: 1", "replications: 2"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def chinese_run(chinese_scenario, tmp_path_factory):
    out = tmp_path_factory.mktemp("cjk-run") / "results"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = [runner.invoke(app, ["run", str(chinese_scenario), "--out", str(out)])]
        res.append(runner.invoke(app, ["plot", str(out)]))
        res.append(runner.invoke(app, ["report", str(out)]))
    for r in res:
        assert r.exit_code == 0, r.output
    texts = [str(w.message) for w in caught] + [r.output for r in res]
    return out, texts


def test_charts_and_report_are_written(chinese_run):
    out, _ = chinese_run
    charts = list((out / "charts").glob("*.png"))
    assert len(charts) >= 5
    assert all(p.stat().st_size > 1000 for p in charts)
    assert "桃溪" in (out / "report.html").read_text("utf-8")


def test_no_missing_glyphs_when_a_cjk_font_is_installed(chinese_run):
    if not style.cjk_fonts():
        pytest.skip(
            "no CJK font on this machine: pip install 'policesim[cjk]' or apt-get install "
            "fonts-noto-cjk to check that Chinese names render"
        )
    _, texts = chinese_run
    assert not [t for t in texts if "missing from font" in t or "no installed font" in t]
    assert any(f in matplotlib.rcParams["font.family"] or f in style.RC["font.family"]
               for f in style.cjk_fonts())


def test_without_a_cjk_font_one_warning_names_the_install(monkeypatch):
    monkeypatch.setitem(style.RC, "font.family", [style.LATIN_FONT])
    monkeypatch.setattr(style, "_warned_missing_font", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            fig, ax = new_figure()
            ax.set_title("桃溪 永平")
            ax.set_xticks([0, 1], ["桃溪", "永平"])
            figure_bytes(fig, "png")
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "missing from font" in m], messages
    ours = [m for m in messages if "no installed font" in m]
    assert len(ours) == 1, messages
    assert "policesim[cjk]" in ours[0] and "fonts-noto-cjk" in ours[0]
    assert "桃" in ours[0]


def test_result_csvs_have_a_bom_and_read_back_chinese_names(chinese_run):
    out, _ = chinese_run
    for name in ("summary.csv", "replications.csv"):
        raw = (out / name).read_bytes()
        assert raw.startswith(BOM), name
        assert "桃溪".encode() in raw
        df = pd.read_csv(out / name, encoding="utf-8-sig")
        assert df.columns[0] == "replication" if name == "replications.csv" else True
        assert "桃溪" in set(df["township"])
    tables = read_results(out)
    assert "桃溪" in set(tables["summary"]["township"])
    assert list(tables["summary"].columns) == list(pd.read_csv(out / "summary.csv").columns)


def test_sweep_points_csv_has_a_bom(chinese_scenario, tmp_path):
    out = tmp_path / "sweep"
    args = ["sweep", str(chinese_scenario), "--set", "stations.桃溪.officers=8,9",
            "--reps", "1", "--workers", "1", "--out", str(out)]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    raw = (out / "points.csv").read_bytes()
    assert raw.startswith(BOM)
    points = pd.read_csv(out / "points.csv", encoding="utf-8-sig")
    assert "stations.桃溪.officers" in points.columns
    res = runner.invoke(app, ["plot", str(out)])
    assert res.exit_code == 0, res.output
