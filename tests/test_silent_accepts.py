"""Inputs that used to be accepted quietly, resolved one way, and are now refused.

The review's rule: "a silent accept is worse than an error". Each case below is
``scenarios/wubei.yaml`` (or a ``--set`` value, or a call log) with one mistake an
honest analyst could make; before these checks every one of them loaded and ran:

* YAML 1.1 reads ``1:30`` as 90 (base 60) and ``010`` as 8 (octal);
* ``key:`` with nothing after it (its lines commented out) meant "absent": no
  shift roster, a pool of every station, no investigation;
* two stations on one node, or a station on another township's village (a
  copied or mistyped ``node``);
* ``weight`` or ``township`` on a station or junction node (only villages carry
  demand: the numbers were dropped);
* a road with ``minutes`` and ``speed_kmh`` (the speed was dropped);
* a joint station's service window without walk-ins to serve, or with every
  community officer at it;
* a call log whose header names a column twice (replay read the last one's
  cells, ``policesim fit`` the first one's), or a row that lost a cell (read as
  an empty one); ``fit --column`` mapping one field twice (the last won).

Each must end in one :class:`~sim.errors.ScenarioError` naming the file, the
field and the line; the legitimate neighbours of each case still load.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.loader import load_scenario, read_yaml, scenario_from_dict
from sim.sweep.grid import parse_set

WUBEI = Path(__file__).resolve().parents[1] / "scenarios" / "wubei.yaml"
TEXT = WUBEI.read_text("utf-8")
DAHE = "{id: Dahe, node: Dahe, officers: 6}"
ROOM = "  host: Taoxi                                    # report"

runner = CliRunner()


def _write(folder: Path, old: str, new: str) -> Path:
    assert old in TEXT, old
    path = folder / "s.yaml"
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def _line(path: Path, fragment: str) -> int:
    """1-based line of the first line of ``path`` holding ``fragment``."""
    lines = path.read_text("utf-8").splitlines()
    return next(k for k, ln in enumerate(lines, 1) if fragment in ln)


#: (name, old text, new text, field, text on the error's line, message fragment)
REFUSED = [
    (
        "base-60 minutes",
        "turnout_min: 2 ",
        "turnout_min: 1:30 ",
        "turnout_min",
        "turnout_min: 1:30",
        "'1:30' is read by YAML as 90 (a base-60 number",
    ),
    (
        "octal officers",
        "{id: Taoxi, node: Taoxi, officers: 10}",
        "{id: Taoxi, node: Taoxi, officers: 010}",
        "stations.Taoxi.officers",
        "officers: 010",
        "'010' is read by YAML as 8 (a leading 0 makes an octal number); write 10",
    ),
    (
        "base-60 in an anchor",
        "[0.3, 0.2, 0.2,",
        "[0.3, 0.2, 1:00,",
        "x-day-profile[2]",
        "1:00",
        "'1:00' is read by YAML as 60",
    ),
    (
        "empty block",
        "shifts:\n  on_duty_share_by_hour: [",
        "shifts:\nx-shifts:\n  on_duty_share_by_hour: [",
        "shifts",
        "shifts:",
        "nothing after the colon: give its value, or write 'shifts: null'",
    ),
    (
        "empty members",
        ROOM,
        "  host: Taoxi\n  members:\n  # - Taoxi",
        "pooled.members",
        "members:",
        "nothing after the colon",
    ),
    (
        "empty investigation",
        "investigation: {p: 0.5, work_hours: {dist: exponential, mean: 12}, crew: 2}",
        "investigation:  # commented out",
        "incident_types.major_emergency.investigation",
        "investigation:  # commented out",
        "nothing after the colon",
    ),
    (
        "two stations on one node",
        DAHE,
        "{id: Dahe, node: Taoxi, officers: 6}",
        "stations.Dahe.node",
        "{id: Dahe, node: Taoxi",
        "station 'Dahe' is on node 'Taoxi', which is also the node of station 'Taoxi'",
    ),
    (
        "station on another township's village",
        DAHE,
        "{id: Dahe, node: Taoxi-town, officers: 6}",
        "stations.Dahe.node",
        "{id: Dahe, node:",
        "a village of township 'Taoxi'",
    ),
    (
        "weight on a station node",
        "{id: Dahe, kind: station, x: 7, y: 9}",
        "{id: Dahe, kind: station, weight: 9, x: 7, y: 9}",
        "network.nodes.Dahe",
        "{id: Dahe, kind: station",
        "station 'Dahe' has weight, which only a village carries",
    ),
    (
        "township on a junction",
        "{id: Wubei-pass, kind: junction, x: 3, y: 7}",
        "{id: Wubei-pass, kind: junction, township: Taoxi, x: 3, y: 7}",
        "network.nodes.Wubei-pass",
        "Wubei-pass, kind: junction",
        "junction 'Wubei-pass' has township, which only a village carries",
    ),
    (
        "minutes and speed",
        "{from: Taoxi, to: Wubei-pass, minutes: 12}",
        "{from: Taoxi, to: Wubei-pass, minutes: 12, speed_kmh: 30}",
        "network.edges[0]",
        "speed_kmh: 30",
        "speed_kmh goes with km",
    ),
    (
        "window takes every community officer",
        "service_window: {seats: 0}",
        "service_window: {seats: 5}",
        "pooled.service_window.seats",
        "service_window:",
        "station 'Yongping' keeps 5 community officer(s) and the window takes 5",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "field", "on_line", "message"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_quiet_readings_are_refused_with_field_and_line(
    tmp_path, old, new, field, on_line, message
):
    path = _write(tmp_path, old, new)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert (err.field, err.line) == (field, _line(path, on_line.rstrip("\n"))), str(err)
    assert message in err.message, err.message


@pytest.mark.parametrize("case", [REFUSED[0], REFUSED[3], REFUSED[6]], ids=lambda c: c[0])
def test_check_and_run_print_one_line_exit_2_and_write_nothing(tmp_path, case):
    path = _write(tmp_path, case[1], case[2])
    out = tmp_path / "out"
    for args in (["check", str(path)], ["run", str(path), "--out", str(out)]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, res.output
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith(f"error: {path}:"), res.stderr
        assert "Traceback" not in res.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("turnout_min: 2 ", "turnout_min: 07 "),  # octal 7 is 7
        ("turnout_min: 2 ", "turnout_min: 0x2 "),  # a prefix says what it is
        (
            "shifts:\n  on_duty_share_by_hour: [",
            "shifts: null\nx-shifts:\n  on_duty_share_by_hour: [",
        ),
        (DAHE, "{id: Dahe, node: Dahe-town, officers: 6}"),  # in its own town
        (DAHE, "{id: Dahe, node: Wubei-pass, officers: 6}"),  # at a crossroads
        ("{id: Dahe, kind: station, x: 7, y: 9}", "{id: Dahe, kind: station, township: null}"),
        ("service_window: {seats: 0}", "service_window: {seats: 1}"),
        ("shifts:\n", "x-notes:\n  todo:\n  later:\n    deeper:\nshifts:\n"),
    ],
    ids=[
        "octal 07",
        "hex",
        "explicit null",
        "own village",
        "junction",
        "null township",
        "one window seat",
        "empty keys in an x- block",
    ],
)
def test_the_legitimate_neighbours_still_load(tmp_path, old, new):
    load_scenario(_write(tmp_path, old, new))


def test_a_window_without_walk_ins_is_refused(tmp_path):
    doc = yaml.safe_load(TEXT)
    del doc["walk_ins"]
    doc["pooled"]["service_window"] = {"seats": 1}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.field == "pooled.service_window.seats"
    assert "no walk_ins to serve" in info.value.message


def test_an_override_may_fill_an_empty_block(tmp_path):
    """``key:`` empty in the file is refused only while nothing has given it a value."""
    path = _write(tmp_path, REFUSED[3][1], REFUSED[3][2])
    with pytest.raises(ScenarioError, match="nothing after the colon"):
        load_scenario(path)
    data, tree = read_yaml(path)
    shifts = {"on_duty_share_by_hour": [0.5] * 24}
    loaded = scenario_from_dict({**data, "shifts": shifts}, path, tree)
    assert loaded.scenario.shifts.on_duty_share_by_hour == [0.5] * 24


@pytest.mark.parametrize(
    ("option", "words"),
    [
        ("turnout_min=1:30,2", "'1:30' is read by YAML as 90"),
        ("stations.Taoxi.officers=010,12", "'010' is read by YAML as 8"),
        ("shifts={on_duty_share_by_hour: [1:00]}", "'1:00' is read by YAML as 60"),
    ],
)
def test_set_values_that_yaml_misreads_are_refused(option, words):
    with pytest.raises(ScenarioError) as info:
        parse_set(option)
    assert (info.value.source, info.value.field) == ("--set", option.split("=")[0])
    assert words in info.value.message


def test_set_values_as_written_still_parse():
    assert parse_set("turnout_min=1.5,07,0x2,'1:30'").values == (1.5, 7, 2, "1:30")


def test_a_call_log_column_named_twice_is_refused(tmp_path):
    (tmp_path / "calls.csv").write_text(
        "time,type,village,officers,officers\n2024-03-02T23:47:00,theft,Yongping-town,3,1\n",
        encoding="utf-8",
    )
    path = _write(
        tmp_path, "incident_types:\n", "incidents: {replay: calls.csv}\nincident_types:\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert (Path(err.source).name, err.field, err.line) == ("calls.csv", "officers", 1)
    assert "appears twice in the header" in err.message


def test_a_call_log_row_with_a_cell_lost_is_refused(tmp_path):
    """A short row read its missing cells as empty ones (drawn from the type instead)."""
    (tmp_path / "calls.csv").write_text(
        "time,type,village,officers\n2024-03-02T23:47:00,theft,Yongping-town\n", encoding="utf-8"
    )
    path = _write(
        tmp_path, "incident_types:\n", "incidents: {replay: calls.csv}\nincident_types:\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert (Path(info.value.source).name, info.value.line) == ("calls.csv", 2)
    assert "fewer values than the header has columns" in info.value.message


SYNTHETIC = WUBEI.parent / "data" / "wubei_calls_synthetic.csv"


def _fit(tmp_path: Path, log: Path, *options: str):
    out = tmp_path / "fitted.yaml"
    return runner.invoke(
        app, ["fit", str(log), "--scenario", str(WUBEI), "--out", str(out), *options]
    )


def test_fit_refuses_a_column_named_twice_in_the_header(tmp_path):
    """``policesim fit`` read the first of two same-named columns, replay the last."""
    lines = [ln for ln in SYNTHETIC.read_text("utf-8").splitlines() if not ln.startswith("#")]
    head, rows = lines[0], lines[1:200]
    log = tmp_path / "calls.csv"
    log.write_text(
        "\n".join(
            [head.replace("officers", "officers,officers")]
            + [",".join([*r.split(",")[:5], "1", *r.split(",")[5:]]) for r in rows]
        ),
        encoding="utf-8",
    )
    res = _fit(tmp_path, log)
    assert res.exit_code == 2, res.output
    assert f"{log}:1: column officers: this column appears twice in the header" in res.stderr


def test_fit_refuses_a_field_mapped_twice_by_column_options(tmp_path):
    res = _fit(
        tmp_path, SYNTHETIC, "--column", "officers=priority", "--column", "officers=officers"
    )
    assert res.exit_code == 2, res.output
    assert "--column: officers: this field is mapped twice; keep one" in res.stderr


def test_a_sweep_refuses_an_empty_block_it_does_not_set(tmp_path):
    """The sweep validates its points without the file's node tree: it checks the file too."""
    from sim.sweep.grid import combine
    from sim.sweep.plan import build_plan

    path = _write(tmp_path, REFUSED[3][1], REFUSED[3][2])
    with pytest.raises(ScenarioError) as info:
        build_plan(path, combine(None, ["demand_scale=1,2"]))
    assert info.value.field == "shifts"
    assert "nothing after the colon" in info.value.message
    roster = "{on_duty_share_by_hour: [" + ", ".join(["0.5"] * 24) + "]}"
    plan = build_plan(path, combine(None, [f"shifts={roster},null"]))
    assert [p.loaded.scenario.shifts is None for p in plan.points] == [False, True]


@pytest.mark.parametrize("name, edit, message", [
    ("edges.csv", lambda t: t.replace("from,to,minutes", "from,to,minutes,minutes", 1),
     "line 1: column 'minutes' appears twice in the header"),
    ("nodes.csv", lambda t: t.replace("Taoxi,station,,,", "Taoxi,station,,", 1),
     "line 2: fewer values than the header has columns"),
])
def test_a_road_network_csv_with_a_column_twice_or_a_lost_cell_is_refused(
    tmp_path, name, edit, message
):
    # csv.DictReader keeps the last of two same-named columns, and reads a lost cell as an
    # empty one (a default: weight 1, no township) without a word
    from tests.test_network import _write_wubei_files

    path = _write_wubei_files(tmp_path, "csv")
    csv_file = tmp_path / name
    text = csv_file.read_text("utf-8")
    csv_file.write_text(edit(text), encoding="utf-8")
    assert csv_file.read_text("utf-8") != text, "the edit must change the file"
    res = runner.invoke(app, ["check", str(path)])
    assert res.exit_code == 2, res.output
    assert f"{name!r} {message}" in res.output and "Traceback" not in res.output


@pytest.mark.parametrize("source", ["inline", "csv"])
def test_a_road_without_a_length_is_named_once(tmp_path, source):
    from tests.test_network import _write_wubei_files

    if source == "csv":
        path = _write_wubei_files(tmp_path, "csv")
        edges = tmp_path / "edges.csv"
        text = edges.read_text("utf-8")
        edges.write_text(text.replace("Taoxi,Wubei-pass,12", "Taoxi,Wubei-pass,", 1))
    else:
        path = _write(tmp_path, "{from: Taoxi, to: Wubei-pass, minutes: 12}",
                      "{from: Taoxi, to: Wubei-pass}")
    res = runner.invoke(app, ["check", str(path)])
    assert res.exit_code == 2, res.output
    assert res.output.count("'Taoxi' - 'Wubei-pass'") == 1, res.output
    assert "'Taoxi' - 'Wubei-pass': no minutes or km" in res.output
