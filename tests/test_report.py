"""``policesim report``: one self-contained HTML file with every chart embedded."""

from __future__ import annotations

import base64
import re
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.plots import RUN_CHARTS
from sim.plots.style import pixel_size
from sim.report import write_report
from sim.results_io import INCOMPLETE
from tests.conftest import SCENARIOS
from tests.test_plots import make_sweep

runner = CliRunner()


class _Refs(HTMLParser):
    """Collect every URL-bearing attribute and the tags used."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.refs: list[tuple[str, str, str]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action", "background"):
                self.refs.append((tag, name, value or ""))
            if tag == "img" and name == "src":
                self.images.append(value or "")


def parse(path: Path) -> tuple[str, _Refs]:
    text = path.read_text(encoding="utf-8")
    refs = _Refs()
    refs.feed(text)
    return text, refs


def assert_self_contained(text: str, refs: _Refs) -> None:
    for tag, name, value in refs.refs:
        assert value.startswith("data:"), f"<{tag} {name}> points outside the file: {value[:60]}"
    assert not {"script", "link", "iframe", "object", "embed"} & refs.tags
    assert 'src="http' not in text and "url(" not in text and "@import" not in text


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "wubei"
    res = runner.invoke(app, ["run", str(SCENARIOS / "wubei.yaml"), "--days", "40", "--reps",
                              "2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def report(run_dir) -> Path:
    res = runner.invoke(app, ["report", str(run_dir)])
    assert res.exit_code == 0, res.output
    return run_dir / "report.html"


def test_report_embeds_every_chart_and_references_nothing_outside(report):
    text, refs = parse(report)
    assert_self_contained(text, refs)
    assert len(refs.images) == len(RUN_CHARTS)
    for src, chart in zip(refs.images, RUN_CHARTS):
        assert src.startswith("data:image/png;base64,")
        data = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert png_size(data) == pixel_size(chart.kind)


def test_report_states_assumptions_seed_replications_and_versions(report):
    text, _ = parse(report)
    plain = re.sub(r"<[^>]+>", " ", text)
    for needed in (
        "Wubei joint station", "20221201", "2 (numbers 0-1)", "policesim", "pandas",
        "Taoxi", "Yongping", "Dahe", "Xiangdian",  # stations
        "traffic_accident", "major_emergency", "0.05",  # incident types with their rates
        "uniform(low=30, high=70)",  # county delay
        "Headline comparison", "response_p90_min", "isolated - pooled",
        "repeat with",
    ):
        assert needed in plain, needed


def test_report_custom_out_and_bad_input(run_dir, tmp_path):
    path = write_report(run_dir, tmp_path / "mail" / "wubei.html")
    assert path.is_file() and path.stat().st_size > 100_000
    res = runner.invoke(app, ["report", str(tmp_path / "missing")])
    assert res.exit_code == 2 and "not found" in res.output
    assert "Traceback" not in res.output
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / INCOMPLETE).write_text("x")
    res = runner.invoke(app, ["report", str(tmp_path / "half")])
    assert res.exit_code == 2 and "INCOMPLETE" in res.output


def test_sweep_report(tmp_path):
    folder = make_sweep(tmp_path / "sweep", {"stations.Taoxi.officers": [6, 8], "k": ["a", "b"]})
    res = runner.invoke(app, ["report", str(folder)])
    assert res.exit_code == 0, res.output
    text, refs = parse(folder / "report.html")
    assert_self_contained(text, refs)
    assert len(refs.images) == 5  # 2 parameters x (metric, difference) + 1 heat map
    assert "stations.Taoxi.officers" in text and "Every point" in text


def test_templates_ship_as_package_data():
    """A non-editable install carries every file of sim/templates (pyproject package-data)."""
    tomllib = pytest.importorskip("tomllib")
    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["sim"]
    shipped = {p for pattern in patterns for p in (root / "sim").glob(pattern)}
    templates = {p for p in (root / "sim" / "templates").iterdir() if p.is_file()}
    assert templates and templates <= shipped, templates - shipped
