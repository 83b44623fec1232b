"""Names in a scenario are text in the report, never markup (issue 10, item 5).

A scenario named ``<script>alert(1)</script>``, with a station named with ``<b>``
and quotes, a village with markup and a Chinese station name, goes through
``run`` and ``report``; a sweep folder with such names goes through ``report``.
The HTML is parsed (not searched with a regular expression): no ``script``
element may appear, and each name must come back as the parser's *text*, which
only happens when every ``<``, ``&`` and quote was escaped.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from tests.test_plots import make_sweep

BASE = Path(__file__).resolve().parent / "bad_scenarios" / "base.yaml"
runner = CliRunner()

SCRIPT = "<script>alert(1)</script>"
STATION = "<b>Yong\"ping\"</b> & 'co'"
VILLAGE = '<img src=x onerror="alert(2)">-V1'
CJK = "大禾"
DESCRIPTION = "</p><script>alert(3)</script><p title='x'>"
#: Every tag the report's templates write; anything else came from a name.
TEMPLATE_TAGS = set(
    "html head meta title style body h1 h2 h3 p div b i br span code table thead tbody tr th td "
    "figure img figcaption details summary".split()
)


class _Page(HTMLParser):
    """Start tags with their attributes, and the text, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(path: Path) -> tuple[str, _Page]:
    raw = path.read_text(encoding="utf-8")
    page = _Page()
    page.feed(raw)
    page.close()
    return raw, page


def assert_only_text(raw: str, page: _Page, *names: str) -> None:
    tags = [t for t, _ in page.tags]
    assert "script" not in tags and "<script" not in raw.lower()
    assert set(tags) <= TEMPLATE_TAGS, set(tags) - TEMPLATE_TAGS
    images = [a.get("src") or "" for t, a in page.tags if t == "img"]
    assert all(src.startswith("data:image/png;base64,") for src in images)  # not src=x
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on")]
    text = "".join(page.text)
    for name in names:
        assert name in text, f"{name!r} is not in the report as text"


def _rename(value, names: dict[str, str]):
    """``value`` with every string equal to, or starting with, an old name renamed."""
    if isinstance(value, dict):
        return {_rename(k, names): _rename(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename(v, names) for v in value]
    if isinstance(value, str):
        for old, new in names.items():
            if value == old or value.startswith(old + "-"):
                return new + value[len(old) :]
    return value


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> Path:
    doc = yaml.safe_load(BASE.read_text("utf-8"))
    doc = _rename(doc, {"Taoxi-V1": VILLAGE, "Yongping": STATION, "Dahe": CJK})
    doc.update(name=SCRIPT, description=DESCRIPTION, replications=2)
    folder = tmp_path_factory.mktemp("hostile")
    scenario = folder / "hostile.yaml"
    scenario.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    out = folder / "results"
    res = runner.invoke(app, ["run", str(scenario), "--out", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["report", str(out)])
    assert res.exit_code == 0, res.output
    return out / "report.html"


def test_run_report_shows_hostile_names_as_text(hostile_run):
    raw, page = parse(hostile_run)
    assert_only_text(raw, page, SCRIPT, STATION, CJK, DESCRIPTION)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    title = raw.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.startswith("&lt;script&gt;")


def test_run_report_names_stations_in_every_table(hostile_run):
    raw, page = parse(hostile_run)
    cells = [t.strip() for t in page.text]
    # the township table, the stations table and the cross-township table each name them
    assert cells.count(STATION) >= 3 and cells.count(CJK) >= 3
    assert VILLAGE not in raw  # villages are counted in the report, and drawn only in charts


def test_sweep_report_shows_hostile_names_as_text(tmp_path):
    param = f"stations.{STATION}.officers"
    folder = make_sweep(tmp_path / "sweep", {param: [6, 8], "k": [SCRIPT, CJK]})
    manifest = json.loads((folder / "sweep.json").read_text("utf-8"))
    manifest.update(
        scenario_name=SCRIPT,
        scenario_file=f"{CJK}/{SCRIPT}.yaml",
        command_line=["policesim", "sweep", SCRIPT],
        grid={"description": DESCRIPTION, "fixed": {STATION: SCRIPT}},
    )
    (folder / "sweep.json").write_text(json.dumps(manifest), encoding="utf-8")
    res = runner.invoke(app, ["report", str(folder)])
    assert res.exit_code == 0, res.output
    raw, page = parse(folder / "report.html")
    assert_only_text(raw, page, SCRIPT, STATION, param, CJK, DESCRIPTION)
    cells = [t.strip() for t in page.text]
    assert cells.count(SCRIPT) >= 2 + 1  # two points' k column, the fixed value
