"""Issue 11, item 10 (b, d, e, f): what a new analyst's own county ran into.

(b) OpenStreetMap road attributes (``travel_time`` seconds, ``length`` metres)
in GraphML and CSV files; (d) a choice ``p`` of rounded shares is renormalised
and ``check`` says so; (e) ``check`` says how many civilian call-takers each
command room has; (f) sweep chart axes name parameters in words. The broken
inputs (semicolon CSV, a word in ``travel_time``, ``p`` beyond the tolerance)
are corpus cases in ``tests/bad_scenarios``.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.loader import load_scenario
from sim.plots.sweep_charts import parameter_label

CORPUS = Path(__file__).resolve().parent / "bad_scenarios"
runner = CliRunner()


def base() -> dict:
    return yaml.safe_load((CORPUS / "base.yaml").read_text("utf-8"))


def write(folder: Path, data: dict, name: str = "s.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# ----------------------------------------------------------------- (b) OSM attribute names


def travel(path: Path) -> dict[tuple[str, str], float]:
    net = load_scenario(path).network
    return {
        (u, v): net.graph.edges[u, v]["minutes"] for u, v in net.graph.edges
    }


def test_graphml_with_osm_travel_time_seconds_equals_minutes(tmp_path):
    data = base()
    reference = travel(write(tmp_path, data, "inline.yaml"))
    g = nx.MultiDiGraph()  # as OSMnx writes: directed, both ways, with lengths too
    for n in data["network"]["nodes"]:
        g.add_node(n["id"], **{k: v for k, v in n.items() if k != "id"})
    for e in data["network"]["edges"]:
        for a, b in ((e["from"], e["to"]), (e["to"], e["from"])):
            g.add_edge(a, b, travel_time=e["minutes"] * 60.0, length=e["minutes"] * 700.0)
    nx.write_graphml(g, tmp_path / "osm.graphml")
    data["network"] = {"graphml": "osm.graphml"}
    osm = travel(write(tmp_path, data, "osm.yaml"))
    assert {frozenset(k): v for k, v in osm.items()} == pytest.approx(
        {frozenset(k): v for k, v in reference.items()}
    )


def test_csv_with_osm_length_metres_is_km_at_the_speed(tmp_path):
    data = base()
    (tmp_path / "nodes.csv").write_text((CORPUS / "corpus_nodes.csv").read_text("utf-8"))
    rows = ["from,to,length,speed_kmh"]
    rows += [f"{e['from']},{e['to']},{e['minutes'] * 500},30" for e in data["network"]["edges"]]
    (tmp_path / "edges.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    data["network"] = {"nodes_csv": "nodes.csv", "edges_csv": "edges.csv"}
    got = travel(write(tmp_path, data))
    want = {(e["from"], e["to"]): e["minutes"] for e in base()["network"]["edges"]}
    # minutes x 500 m at 30 km/h = minutes x 0.5 km / 0.5 km per minute = minutes
    assert {frozenset(k): v for k, v in got.items()} == pytest.approx(
        {frozenset(k): v for k, v in want.items()}
    )


# ----------------------------------------------------------------- (d) rounded p


def test_rounded_choice_p_is_renormalised_and_check_says_so(tmp_path):
    data = base()
    accident = data["incident_types"][0]
    accident["officers_required"] = {
        "dist": "choice", "values": [2, 3, 4, 6], "p": [0.333, 0.333, 0.333, 0]
    }
    path = write(tmp_path, data)
    res = runner.invoke(app, ["check", str(path)])
    assert res.exit_code == 0, res.output
    assert "incident_types.traffic_accident.officers_required: p sums to 0.999; renormalised" \
        in res.output
    p = load_scenario(path).scenario.incident_types[0].officers_required.p
    assert sum(p) == pytest.approx(1, abs=1e-12) and p[0] == pytest.approx(1 / 3)


def test_p_within_a_millionth_is_accepted(tmp_path):
    data = base()
    data["incident_types"][0]["officers_required"]["p"] = [0.6, 0.3, 0.1000005]
    res = runner.invoke(app, ["check", str(write(tmp_path, data))])
    assert res.exit_code == 0, res.output


def test_p_beyond_the_tolerance_states_it(tmp_path):
    data = base()
    data["incident_types"][0]["officers_required"]["p"] = [0.6, 0.3, 0.09]
    res = runner.invoke(app, ["check", str(write(tmp_path, data))])
    assert res.exit_code == 2
    assert "p must sum to 1 (within 0.5%" in res.stderr and "sums to 0.99" in res.stderr


# ----------------------------------------------------------------- (e) civilian seats


def test_check_says_how_many_civilian_seats_a_room_has(tmp_path):
    data = base()
    data["pooled"]["command_room"]["staff"] = 4  # drawn_from totals 2
    res = runner.invoke(app, ["check", str(write(tmp_path, data))])
    assert res.exit_code == 0, res.output
    assert ("pooled.command_room: 4 seat(s): 2 officer(s) drawn from member stations, "
            "2 civilian call-taker(s)") in " ".join(res.output.split())


def test_check_says_a_room_of_officers_has_no_civilian_seat():
    res = runner.invoke(app, ["check", str(CORPUS / "base.yaml")])
    assert res.exit_code == 0
    assert "0 civilian call-taker(s)" in " ".join(res.output.split())


def test_check_shows_names_as_written(tmp_path):
    # rich read "[bold]" as a style tag and ":police_car:" as an emoji code in check's lines
    data = base()
    data["name"] = "[bold]Corpus :police_car: base"
    accident = data["incident_types"][0]
    accident["id"] = "[red]crash:boom:"
    accident["officers_required"] = {"dist": "choice", "values": [2, 3], "p": [0.5, 0.499]}
    res = runner.invoke(app, ["check", str(write(tmp_path, data))])
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())
    assert ": OK: '[bold]Corpus :police_car: base', 3 stations" in said
    assert "note: incident_types.[red]crash:boom:.officers_required: p sums to 0.999" in said


def test_an_error_shows_names_as_written(tmp_path):
    data = base()
    data["stations"][1]["id"] = data["stations"][2]["id"] = ":police_car:[b]"
    res = runner.invoke(app, ["check", str(write(tmp_path, data))])
    assert res.exit_code == 2
    assert "duplicate station id ':police_car:[b]'" in " ".join(res.stderr.split())


def test_more_officers_drawn_than_seats_is_still_refused(tmp_path):
    data = base()
    data["pooled"]["command_room"]["staff"] = 1
    res = runner.invoke(app, ["check", str(write(tmp_path, data))])
    assert res.exit_code == 2
    assert "drawn_from totals 2 but staff is 1" in res.stderr


# ----------------------------------------------------------------- (f) sweep axis labels


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("stations.Midvale.officers", "officers at Midvale"),
        ("incident_types.dispute.rate_per_day", "rate per day of dispute"),
        ("pooled.command_room.staff", "pooled: command room staff"),
        ("pooled.county_after_min", "pooled: county after (min)"),
        ("demand_scale", "demand scale"),
    ],
)
def test_parameter_label(path, label):
    assert parameter_label(path) == label


def test_sweep_chart_axis_reads_as_words(tmp_path):
    from sim.plots import load_sweep
    from sim.plots.sweep_charts import metric_vs_parameter

    out = tmp_path / "sweep"
    res = runner.invoke(app, ["sweep", str(CORPUS / "base.yaml"), "--set",
                              "stations.Dahe.officers=4,5", "--reps", "1", "--workers", "1",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    fig = metric_vs_parameter(load_sweep(out), "response_mean_min", "stations.Dahe.officers")
    labels = [ax.get_xlabel() for ax in fig.axes if ax.get_visible()]
    assert "officers at Dahe" in labels
    assert "stations.Dahe.officers" not in labels


def test_run_prints_the_input_notes_check_prints(tmp_path):
    # a renormalised p (or an OSM extract's dropped roads) must not be seen only by those
    # who happen to run check first: run says it too, on stderr (--json keeps stdout clean)
    data = base()
    data["incident_types"][0]["officers_required"] = {
        "dist": "choice", "values": [2, 3, 4, 6], "p": [0.333, 0.333, 0.333, 0]
    }
    data["horizon_days"], data["warmup_days"], data["replications"] = 2, 0, 2
    path = write(tmp_path, data)
    note = "note: incident_types.traffic_accident.officers_required: p sums to 0.999"
    check = runner.invoke(app, ["check", str(path)])
    assert note in check.output
    res = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "out"), "--json"])
    assert res.exit_code == 0, res.output
    assert note in res.stderr and note not in res.stdout
    assert json.loads(res.stdout)
