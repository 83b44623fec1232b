"""Real coordinates: lat/lon nodes, great-circle road lengths, OSM extracts, map projection.

``tests/data/tiny_roads.osm`` is a hand-made extract (its comment lists the
ways); the expected travel times below are worked out by hand from its
coordinates and speed tags, with an independent haversine.
"""

from __future__ import annotations

import math
import shutil

import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.loader import load_scenario, scenario_from_dict
from sim.osm import osmnx_available
from sim.plots.road_map import positions
from tests.conftest import ROOT, scenario_dict

OSM = ROOT / "tests" / "data" / "tiny_roads.osm"
runner = CliRunner()
needs_osmnx = pytest.mark.skipif(
    not osmnx_available(),
    reason="OSMnx is not installed (pip install -e '.[geo]' or '.[test]'); the OSM "
    "extract tests need it",
)


def _km(lat1, lon1, lat2, lon2):
    """Haversine on a 6371.009 km sphere, written out independently of sim.geo."""
    r = 6371.009
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * r * math.asin(math.sqrt(a))


def _doc(nodes, edges=None, **network):
    doc = scenario_dict("mmc_validation.yaml")
    doc["network"] = {"nodes": nodes, **({"edges": edges} if edges is not None else {}), **network}
    doc["stations"] = [{"id": "S", "node": "S", "officers": 2}]
    doc["pooled"]["host"] = "S"
    return doc


LATLON = [
    {"id": "S", "kind": "station", "lat": 25.0, "lon": 116.0},
    {"id": "V", "township": "S", "lat": 25.1, "lon": 116.1},
]


def test_a_road_without_length_is_great_circle_times_the_detour_factor():
    doc = _doc(LATLON, [{"from": "S", "to": "V"}], detour_factor=1.4, default_speed_kmh=50)
    net = scenario_from_dict(doc).network
    km = _km(25.0, 116.0, 25.1, 116.1)
    assert 14 < km < 16
    assert net.travel_min[0, 1] == pytest.approx(60 * km * 1.4 / 50, rel=1e-6)
    doc = _doc(LATLON, [{"from": "S", "to": "V", "speed_kmh": 30}])
    net = scenario_from_dict(doc).network  # the stated default detour factor, 1.3
    assert net.travel_min[0, 1] == pytest.approx(60 * km * 1.3 / 30, rel=1e-6)
    doc = _doc(LATLON, [{"from": "S", "to": "V", "minutes": 7}])
    assert scenario_from_dict(doc).network.travel_min[0, 1] == 7  # a given length wins


@pytest.mark.parametrize(
    ("nodes", "edges", "field", "words"),
    [
        ([{**LATLON[0], "lat": 91.0}, LATLON[1]], [], "network.nodes.S.lat", "less than or equal"),
        ([{**LATLON[0], "lon": -181.0}, LATLON[1]], [], "network.nodes.S.lon", "greater than"),
        (
            [{"id": "S", "kind": "station", "lat": 25.0}, LATLON[1]],
            [],
            "network.nodes.S",
            "both lat and lon",
        ),
        ([{**LATLON[0], "x": 1.0}, LATLON[1]], [], "network.nodes.S", "not both"),
        (
            [LATLON[0], {"id": "V", "township": "S", "x": 1.0, "y": 2.0}],
            [{"from": "S", "to": "V", "minutes": 3}],
            "network.nodes.V",
            "one kind of coordinates",
        ),
        (
            [LATLON[0], {"id": "V", "township": "S"}],
            [{"from": "S", "to": "V"}],
            "network.edges[0]",
            "has no lat/lon",
        ),
        (LATLON, [{"from": "S", "to": "V"}], "network.detour_factor", "greater than or equal"),
    ],
)
def test_bad_coordinates_are_refused_clearly(nodes, edges, field, words):
    doc = _doc(nodes, edges or [{"from": "S", "to": "V", "minutes": 1}])
    if field.endswith("detour_factor"):
        doc["network"]["detour_factor"] = 0.8
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(doc)
    assert err.value.field == field, str(err.value)
    assert words in err.value.message


def test_map_positions_are_an_equirectangular_projection_in_km():
    net = scenario_from_dict(_doc(LATLON, [{"from": "S", "to": "V"}])).network
    pos = positions(net.graph)
    dx = pos["V"][0] - pos["S"][0]
    dy = pos["V"][1] - pos["S"][1]
    assert dy == pytest.approx(0.1 * 111.195, rel=1e-4)
    assert dx == pytest.approx(0.1 * 111.195 * math.cos(math.radians(25.05)), rel=1e-4)
    assert math.hypot(dx, dy) == pytest.approx(_km(25.0, 116.0, 25.1, 116.1), rel=2e-3)


# --------------------------------------------------------------------------- OSM extracts

PLACES = [
    {"id": "S", "kind": "station", "lat": 25.0001, "lon": 116.0001},  # ~14 m from node 1 (A)
    {"id": "V1", "township": "S", "lat": 25.02, "lon": 116.0},  # node 3 (C)
    {"id": "V2", "township": "S", "lat": 25.03, "lon": 116.0},  # node 4 (D), behind the one-way
    {"id": "V3", "township": "S", "lat": 25.01, "lon": 116.01},  # node 5 (E)
]


def _osm_scenario(tmp_path, places=PLACES, **network):
    shutil.copy(OSM, tmp_path / "roads.osm")
    doc = _doc(places, osm="roads.osm", **network)
    path = tmp_path / "osm.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@needs_osmnx
def test_osm_travel_times_match_hand_computed_shortest_paths(tmp_path):
    net = load_scenario(_osm_scenario(tmp_path)).network
    a, b, c, d, e = (25.0, 116.0), (25.01, 116.0), (25.02, 116.0), (25.03, 116.0), (25.01, 116.01)

    def minutes(p, q, kmh):
        return 60 * _km(*p, *q) / kmh

    ab = minutes(a, b, 60)  # primary 60 (the parallel track at 15 km/h is slower: dropped)
    bc = minutes(b, c, 60)
    cd = minutes(c, d, 30)  # one-way C -> D, driven both ways
    be = minutes(b, e, 40)  # tertiary without maxspeed: the stated default, 40 km/h
    ec = minutes(e, c, 30 * 1.609344)  # maxspeed "30 mph"
    snap = 60 * _km(25.0001, 116.0001, *a) * 1.3 / 40  # station to node A, detour, default speed
    expected = {
        ("S", "V1"): snap + ab + bc,
        ("S", "V2"): snap + ab + bc + cd,
        ("S", "V3"): snap + ab + be,  # not A-B-C-E, not the footway A-F-E
        ("V1", "V3"): min(ec, bc + be),
        ("V2", "V3"): cd + min(ec, bc + be),
    }
    assert expected[("V1", "V3")] == ec  # the 30 mph road is the shorter way here
    for (p, q), want in expected.items():
        i, j = net.place_of(p), net.place_of(q)
        assert net.travel_min[i, j] == pytest.approx(want, abs=2e-3), (p, q)
        assert net.travel_min[j, i] == net.travel_min[i, j]
    notes = " ".join(net.notes)
    assert "1 slower parallel edge(s) dropped" in notes
    assert "1 one-way road(s) used in both directions" in notes
    assert "2 road segment(s) not drivable" in notes


@needs_osmnx
def test_osm_check_prints_what_was_collapsed_and_the_resolved_run_needs_no_file(tmp_path):
    path = _osm_scenario(tmp_path)
    res = runner.invoke(app, ["check", str(path)])
    assert res.exit_code == 0, res.output
    assert "one-way road(s) used in both directions" in " ".join(res.output.split())
    out = tmp_path / "out"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc.update(horizon_days=2, warmup_days=0, replications=1)
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    res = runner.invoke(app, ["run", str(path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    (tmp_path / "roads.osm").unlink()
    resolved = load_scenario(out / "scenario.resolved.yaml").network
    assert resolved.travel_min == pytest.approx(load_scenario_travel(tmp_path), abs=1e-9)


def load_scenario_travel(tmp_path):
    shutil.copy(OSM, tmp_path / "roads.osm")
    return load_scenario(tmp_path / "osm.yaml").network.travel_min


FOOTWAY_ONLY = """<osm version="0.6">
  <node id="1" lat="25.0" lon="116.0"/><node id="2" lat="25.01" lon="116.0"/>
  <way id="9"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>
</osm>"""


@needs_osmnx
@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"places": [{**PLACES[0], "lat": 25.5}, *PLACES[1:]]}, "network.osm", "max_snap_km"),
        (
            {"places": [{"id": "S", "kind": "station"}, *PLACES[1:]]},
            "network.nodes.S",
            "no lat/lon",
        ),
        ({"osm_text": "<osm><way id='1'>"}, "network.osm", "not a readable OSM XML"),
        ({"osm_text": "<osm version='0.6'></osm>"}, "network.osm", "has no roads"),
        ({"osm_text": FOOTWAY_ONLY}, "network.osm", "no drivable roads"),
    ],
)
def test_bad_osm_input_exits_2_with_a_clear_message(tmp_path, change, field, words):
    path = _osm_scenario(tmp_path, places=change.get("places", PLACES))
    if "osm_text" in change:
        (tmp_path / "roads.osm").write_text(change["osm_text"], encoding="utf-8")
    res = runner.invoke(app, ["check", str(path)])
    assert res.exit_code == 2, res.output
    flat = " ".join(res.output.split())
    assert f"{field}:" in flat and words in flat, flat
    assert "Traceback" not in res.output


def test_osm_needs_the_places_and_no_other_roads():
    with pytest.raises(ScenarioError, match="osm gives the roads"):
        scenario_from_dict(_doc(PLACES, [{"from": "S", "to": "V1", "minutes": 1}], osm="r.osm"))


@needs_osmnx
def test_highway_speeds_replace_the_defaults_but_not_maxspeed_tags(tmp_path):
    base = load_scenario(_osm_scenario(tmp_path)).network
    slow = load_scenario(
        _osm_scenario(tmp_path, highway_speeds_kmh={"tertiary": 30, "primary": 10})
    ).network
    s, v3 = base.place_of("S"), base.place_of("V3")
    be = 60 * _km(25.01, 116.0, 25.01, 116.01) / 40
    # B-E tertiary (no tag) now at 30 km/h, not 40; A-B primary keeps its maxspeed 60
    longer = be * 40 / 30 - be
    assert slow.travel_min[s, v3] - base.travel_min[s, v3] == pytest.approx(longer, abs=2e-3)


def test_calls_given_by_lat_lon_go_to_the_nearest_village(tmp_path):
    doc = _doc(
        [*LATLON, {"id": "W", "township": "S", "lat": 25.2, "lon": 116.0}],
        [{"from": "S", "to": "V"}, {"from": "S", "to": "W"}],
    )
    doc.update(horizon_days=1, warmup_days=0)
    doc["incidents"] = {"replay": "calls.csv"}
    type_id = doc["incident_types"][0]["id"]
    (tmp_path / "calls.csv").write_text(
        "time,type,village,lat,lon\n"
        f"2024-05-01T01:00,{type_id},,25.19,116.01\n"  # near W
        f"2024-05-01T02:00,{type_id},,25.09,116.08\n"  # near V
        f"2024-05-01T03:00,{type_id},V,,\n",
        encoding="utf-8",
    )
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    loaded = load_scenario(path)
    villages = [loaded.network.places[loaded.network.villages[k]] for k in loaded.calls.village]
    assert villages == ["W", "V", "V"]


@needs_osmnx
def test_a_highway_speed_for_a_type_no_road_has_is_noted(tmp_path):
    # a misspelt type ("primry") added a speed that no road could ever take, without a word
    net = load_scenario(
        _osm_scenario(tmp_path, highway_speeds_kmh={"primry": 10, "tertiary": 30})
    ).network
    unused = [n for n in net.notes if "highway_speeds_kmh" in n]
    assert len(unused) == 1 and "highway type 'primry'" in unused[0], net.notes
    assert "primary" in unused[0] and "tertiary" in unused[0], "the types the extract has"
