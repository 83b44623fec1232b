"""``policesim fit``: recovery of the generating numbers, on-scene families, end to end, bad data.

Tolerances come from intervals: every count cell is checked against its exact
Poisson interval, Bonferroni-adjusted over all cells (sim.fit.recovery); each
check is shown to fail on a deliberately biased log.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats
from typer.testing import CliRunner

from sim.cli import app
from sim.distributions import Distribution
from sim.fit.calls import read_call_log
from sim.fit.durations import fit_on_scene
from sim.fit.fitting import fit_log
from sim.fit.recovery import recovery_misses
from sim.fit.synthesize import DEFAULT_START, call_log, write_call_log
from sim.incidents import draw_incidents
from sim.loader import scenario_from_dict
from tests.conftest import ROOT, SCENARIOS, scenario_dict

runner = CliRunner()
SHIPPED_LOG = SCENARIOS / "data" / "wubei_calls_synthetic.csv"
DIST = TypeAdapter(Distribution)
LONG_DAYS = 1820  # 35 whole weeks x 52: about 8,900 calls


def _scenario(days: float, **type_changes: dict):
    """Wubei for ``days`` with some incident types changed (keys merged into the type)."""
    doc = scenario_dict("wubei.yaml")
    doc["horizon_days"] = days
    for t in doc["incident_types"]:
        t.update(type_changes.get(t["id"], {}))
    return scenario_from_dict(doc, SCENARIOS / "wubei.yaml")


def _villages(loaded) -> list[str]:
    return [loaded.network.places[p] for p in loaded.network.villages]


def _fit_frame(loaded, frame: pd.DataFrame, tmp_path, days: int):
    """Write ``frame`` as a CSV log, read it back and fit it over ``days`` from the start."""
    path = tmp_path / "calls.csv"
    write_call_log(frame, path, "test")
    period = (DEFAULT_START, DEFAULT_START + timedelta(days=days - 1))
    log = read_call_log(path, set(_villages(loaded)), period=period)
    return fit_log(log, loaded.scenario, _villages(loaded))


# ----------------------------------------------------------------- weekday profile in the model


def test_absent_or_flat_weekday_profile_leaves_the_stream_bit_identical():
    plain = _scenario(60)
    flat = _scenario(60, theft={"weekday_profile": [1] * 7}, dispute={"weekday_profile": [3] * 7})
    a = draw_incidents(plain.scenario, plain.network, 0)
    b = draw_incidents(flat.scenario, flat.network, 0)
    assert a.digest() == b.digest()


def test_weekday_profile_day_0_is_a_monday():
    loaded = _scenario(700, public_service={"weekday_profile": [1, 1, 1, 1, 1, 3, 0]})
    s = draw_incidents(loaded.scenario, loaded.network, 0)
    public = s.call_min[s.type_index == 4]
    weekday = (public // 1440).astype(int) % 7
    assert (weekday == 6).sum() == 0  # no Sunday calls
    counts = np.bincount(weekday, minlength=7)
    # Saturday has 3x a weekday's rate: its share of Mon-Sat calls is 3/8; exact binomial CI.
    ci = stats.binomtest(int(counts[5]), int(counts.sum())).proportion_ci(0.999)
    assert ci.low <= 3 / 8 <= ci.high, counts


@pytest.mark.parametrize("bad", [[1] * 6, [1, 1, 1, 1, 1, 1, -1], [0] * 7])
def test_weekday_profile_is_validated(bad):
    doc = scenario_dict("wubei.yaml")
    doc["incident_types"][0]["weekday_profile"] = bad
    with pytest.raises(Exception, match="weekday_profile"):
        scenario_from_dict(doc, "x.yaml")


# ----------------------------------------------------------------- new distribution kinds


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "gamma", "mean": 30, "sd": 15},
        {"dist": "weibull", "shape": 1.5, "scale": 40},
        {"dist": "empirical", "quantiles": [2, 10, 11, 30, 90]},
    ],
)
def test_new_distributions_sample_their_mean(spec):
    d = DIST.validate_python(spec)
    x = d.sample(np.random.default_rng(5), 40_000)
    half = stats.norm.ppf(1 - 0.001 / 2) * x.std(ddof=1) / np.sqrt(len(x))
    assert abs(x.mean() - d.mean) <= half, (x.mean(), d.mean)
    assert x.min() >= d.minimum and x.max() <= d.maximum


def test_empirical_puts_equal_probability_in_each_interval():
    d = DIST.validate_python({"dist": "empirical", "quantiles": [0, 1, 5, 50]})
    x = d.sample(np.random.default_rng(1), 30_000)
    counts = np.histogram(x, bins=[0, 1, 5, 50])[0]
    assert stats.chisquare(counts).pvalue > 0.001, counts


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "empirical", "quantiles": [5, 3, 9]},
        {"dist": "empirical", "quantiles": [4]},
        {"dist": "empirical", "quantiles": [-1, 3]},
        {"dist": "weibull", "shape": 0, "scale": 3},
        {"dist": "gamma", "mean": 10, "sd": 0},
    ],
)
def test_new_distributions_refuse_bad_parameters(spec):
    with pytest.raises(ValidationError):
        DIST.validate_python(spec)


# ----------------------------------------------------------------- recovery of a long log


@pytest.fixture(scope="module")
def long_run():
    """Wubei for 1,820 days with weekday profiles and every on-scene family."""
    loaded = _scenario(
        LONG_DAYS,
        theft={"weekday_profile": [1, 1, 1, 1, 1.5, 2, 2]},
        dispute={"on_scene_min": {"dist": "gamma", "mean": 17, "sd": 9},
                 "weekday_profile": [0.8, 0.8, 0.8, 0.8, 1, 1.6, 1.6]},
        public_service={"on_scene_min": {"dist": "weibull", "shape": 1.8, "scale": 27}},
    )
    return loaded, call_log(loaded)


@pytest.fixture(scope="module")
def long_fit(long_run, tmp_path_factory):
    loaded, frame = long_run
    return _fit_frame(loaded, frame, tmp_path_factory.mktemp("long"), LONG_DAYS)


def _counts_fit(loaded, frame: pd.DataFrame, days: int):
    """Fit ``frame`` without going through a CSV file (the recovery check needs counts only)."""
    from pathlib import Path

    from sim.fit.calls import CallLog

    start = pd.Timestamp(DEFAULT_START).to_pydatetime()
    log = CallLog(Path("<frame>"), frame, start, days, ())
    return fit_log(log, loaded.scenario, _villages(loaded), fit_durations=False)


def test_the_csv_round_trip_keeps_every_call(long_run, long_fit):
    """The log read back equals the frame written, so fitting frames directly is fair."""
    _, frame = long_run
    pd.testing.assert_frame_equal(long_fit.log.calls, frame, check_dtype=False)


def test_fit_recovers_rates_profiles_villages_and_officers(long_run):
    """20 long logs: each fit's 189 cells at Bonferroni family level 5%.

    A log drawn from the scenario has at most a 5% chance of any miss, so the
    number of logs with a miss is at most Binomial(20, 0.05); more than its
    99.9% quantile means the fit is biased.
    """
    loaded, _ = long_run
    with_misses = []
    for replication in range(20):
        fit = _counts_fit(loaded, call_log(loaded, replication), LONG_DAYS)
        misses, cells = recovery_misses(loaded.scenario, loaded.network, fit)
        assert cells == 5 * (1 + 24 + 7) + 12 + 17  # types x cells, officer counts, villages
        if misses:
            with_misses.append(f"replication {replication}: " + "; ".join(map(str, misses)))
    allowed = stats.binom.ppf(0.999, 20, 0.05)
    assert len(with_misses) <= allowed, "\n".join(with_misses)


def test_fitted_rates_cover_the_generating_rates(long_run, long_fit):
    from sim.fit.rates import count_fit

    loaded, _ = long_run
    for t, f in zip(loaded.scenario.incident_types, long_fit.types):
        assert f.id == t.id
        # 5 rates at 99% each: simultaneous coverage >= 95% (Bonferroni).
        wide = count_fit(f.rate.counts, f.rate.exposure_days, 0.99)
        assert wide.low[0] <= t.rate_per_day <= wide.high[0], (t.id, wide)


def _dispersion_interval(days: int, tests: int) -> tuple[float, float]:
    """Where variance/mean of Poisson daily counts falls: (days-1) x it is ~ chi2(days-1)."""
    tail = 0.001 / tests / 2
    return (stats.chi2.ppf(tail, days - 1) / (days - 1),
            stats.chi2.ppf(1 - tail, days - 1) / (days - 1))


def test_dispersion_is_about_one_for_poisson_calls_and_flags_bursts(long_run, long_fit):
    from sim.fit.report import dispersion

    low, high = _dispersion_interval(LONG_DAYS, len(long_fit.types))
    for t in long_fit.types:
        assert low <= dispersion(long_fit, t.id) <= high, t.id
    loaded, frame = long_run
    bursts = frame[frame["time"].dt.day % 2 == 0]  # every call of an even day logged twice
    burst_fit = _counts_fit(loaded, pd.concat([frame, bursts]), LONG_DAYS)
    assert dispersion(burst_fit, "public_service") > high


def test_weekday_profiles_are_written_only_where_they_exist(long_fit):
    from sim.fit.fitting import incident_type_block

    blocks = {t.id: incident_type_block(t) for t in long_fit.types}
    assert "weekday_profile" in blocks["theft"] and "weekday_profile" in blocks["dispute"]
    assert blocks["theft"]["weekday_profile"][6] > blocks["theft"]["weekday_profile"][0]
    assert "hourly_profile" in blocks["public_service"]
    assert "hourly_profile" not in blocks["major_emergency"]  # generated flat


#: Each bias, and the cells where the check must see it (not a chance miss elsewhere).
BIAS_SHOWS_IN = {
    "three hours late": ["@hour"],
    "a tenth of thefts lost": ["theft"],
    "Dahe-V1 logged as Dahe-town": ["village:Dahe-V1", "village:Dahe-town"],
    "weekends moved to Monday": ["@weekday0", "@weekday5", "@weekday6"],
}


@pytest.mark.parametrize("bias", list(BIAS_SHOWS_IN))
def test_the_recovery_check_fails_on_a_biased_log(long_run, bias):
    loaded, frame = long_run
    frame = frame.copy()
    if bias == "three hours late":
        frame["time"] = frame["time"] + pd.Timedelta(hours=3)
        frame = frame[frame["time"] < pd.Timestamp(DEFAULT_START) + pd.Timedelta(days=LONG_DAYS)]
    elif bias == "a tenth of thefts lost":
        theft = frame.index[frame["type"] == "theft"]
        frame = frame.drop(theft[::10])
    elif bias == "Dahe-V1 logged as Dahe-town":
        frame.loc[frame["village"] == "Dahe-V1", "village"] = "Dahe-town"
    else:
        weekend = frame["time"].dt.day_of_week >= 5
        shift = pd.to_timedelta(7 - frame.loc[weekend, "time"].dt.day_of_week, unit="D")
        frame.loc[weekend, "time"] = frame.loc[weekend, "time"] + shift
        frame = frame[frame["time"] < pd.Timestamp(DEFAULT_START) + pd.Timedelta(days=LONG_DAYS)]
    fit = _counts_fit(loaded, frame, LONG_DAYS)
    misses, _ = recovery_misses(loaded.scenario, loaded.network, fit)
    assert [m for m in misses if any(word in m.cell for word in BIAS_SHOWS_IN[bias])], (
        f"a log with {bias} passed the recovery check: {[str(m) for m in misses]}"
    )


def test_on_scene_families_are_recovered(long_run, long_fit):
    loaded, _ = long_run
    want = {"traffic_accident": "lognormal", "dispute": "gamma", "theft": "lognormal",
            "public_service": "weibull"}
    got = {t.id: t.on_scene.chosen for t in long_fit.types}
    assert {k: got[k] for k in want} == want


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "lognormal", "mean": 38, "sd": 19},
        {"dist": "gamma", "mean": 30, "sd": 12},
        {"dist": "weibull", "shape": 1.6, "scale": 35},
        {"dist": "exponential", "mean": 25},
    ],
)
def test_family_and_mean_recovered_from_draws(spec):
    d = DIST.validate_python(spec)
    x = d.sample(np.random.default_rng(11), 3000)
    fit = fit_on_scene(x)
    assert fit.chosen == spec["dist"], fit.reason
    fitted = DIST.validate_python(fit.dist)
    # The MLE mean is at least as precise as the sample mean: a 99.9% interval of the latter.
    half = stats.norm.ppf(1 - 0.001 / 2) * x.std(ddof=1) / np.sqrt(len(x))
    assert abs(fitted.mean - d.mean) <= half, (fitted.mean, d.mean)
    # What the scenario holds draws from the fitted scipy distribution (parameters converted).
    draws = fitted.sample(np.random.default_rng(12), 20_000)
    assert stats.kstest(draws, fit.candidates[0].frozen().cdf).pvalue > 0.001


def test_a_shape_no_family_fits_becomes_empirical():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(10, 1, 1500), rng.normal(60, 3, 1500)])
    fit = fit_on_scene(x)
    assert fit.chosen == "empirical" and fit.gof_p < 0.01
    q = fit.dist["quantiles"]
    assert q[0] == pytest.approx(x.min(), abs=0.01) and q[-1] == pytest.approx(x.max(), abs=0.01)
    DIST.validate_python(fit.dist)


def test_zero_durations_become_empirical():
    x = np.r_[np.zeros(5), np.random.default_rng(2).exponential(20, 200)]
    fit = fit_on_scene(x)
    assert fit.chosen == "empirical" and "0" in fit.reason


# ----------------------------------------------------------------- the shipped log, end to end


def test_shipped_log_is_labelled_small_and_reproducible(tmp_path):
    first = SHIPPED_LOG.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# SYNTHETIC")
    assert SHIPPED_LOG.stat().st_size < 1_000_000
    again = tmp_path / "again.csv"
    subprocess.run(
        [sys.executable, "-m", "sim.fit.synthesize", "scenarios/wubei.yaml", "--days", "365",
         "--out", str(again)],
        cwd=ROOT, check=True, capture_output=True,
    )
    assert again.read_bytes() == SHIPPED_LOG.read_bytes()


@pytest.fixture(scope="module")
def fitted_shipped(tmp_path_factory):
    out = tmp_path_factory.mktemp("fit") / "wubei_fitted.yaml"
    res = runner.invoke(app, ["fit", str(SHIPPED_LOG), "--scenario",
                              str(SCENARIOS / "wubei.yaml"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out, res


def test_fit_on_shipped_log_checks_and_runs(fitted_shipped):
    out, res = fitted_shipped
    assert "1768 calls over 365 days" in res.stdout
    check = runner.invoke(app, ["check", str(out)])
    assert check.exit_code == 0, check.output
    run = runner.invoke(app, ["run", str(out), "--reps", "2", "--days", "20", "--out",
                              str(out.parent / "run")])
    assert run.exit_code == 0, run.output
    assert any((out.parent / "run").iterdir())


def test_fit_writes_the_report(fitted_shipped):
    out, _ = fitted_shipped
    folder = out.with_name("wubei_fitted_fit")
    text = (folder / "report.md").read_text(encoding="utf-8")
    rates = pd.read_csv(folder / "rates.csv")
    assert list(rates["type"]) == ["traffic_accident", "major_emergency", "dispute", "theft",
                                   "public_service"]
    assert (rates["ci_low"] < rates["rate_per_day"]).all()
    assert (rates["rate_per_day"] < rates["ci_high"]).all()
    for t in rates["type"]:
        assert (folder / f"{t}.png").stat().st_size > 1000
        assert f"## {t}" in text
    assert "AIC" in text and "bootstrap p" in text


def test_fit_refuses_to_overwrite(fitted_shipped):
    out, _ = fitted_shipped
    before = out.read_bytes()
    res = runner.invoke(app, ["fit", str(SHIPPED_LOG), "--scenario",
                              str(SCENARIOS / "wubei.yaml"), "--out", str(out)])
    assert res.exit_code == 2 and "--force" in res.stderr
    assert out.read_bytes() == before


# ----------------------------------------------------------------- bad data

HEADER = "time,type,village,priority,officers,on_scene_min"
GOOD = "2024-01-01 08:00:00,theft,Dahe-town,2,1,30.5"

#: (name, file text, expected line, expected column text, words in the message)
BAD = [
    ("missing column", "time,type,village,priority,officers\n2024-01-01 08:00,theft,Dahe-town,2,1",
     1, "column on_scene_min", "missing column"),
    ("unparsable time", f"{HEADER}\n{GOOD}\nyesterday noon,theft,Dahe-town,2,1,3",
     3, "column 1 (time)", "date and time"),
    ("unknown village", f"{HEADER}\n{GOOD}\n{GOOD}\n2024-01-02 09:00,theft,Atlantis,2,1,3",
     4, "column 3 (village)", "not a village"),
    ("negative duration", f"# a comment\n{HEADER}\n{GOOD}\n2024-01-02 09:00,theft,Dahe-town,2,1,-4",
     4, "column 6 (on_scene_min)", "minutes must be >= 0"),
    ("officers not whole", f"{HEADER}\n2024-01-02 09:00,theft,Dahe-town,2,1.5,4",
     2, "column 5 (officers)", "whole number"),
    ("short row", f"{HEADER}\n2024-01-02 09:00,theft,Dahe-town",
     2, "column 4 (row)", "has 3 cells"),
    ("empty file", "", None, "", "empty"),
    ("header only", f"{HEADER}\n", None, "", "no calls"),
]


@pytest.mark.parametrize("name,text,line,column,words", BAD, ids=[b[0] for b in BAD])
def test_bad_data_exits_2_with_file_line_and_column(tmp_path, name, text, line, column, words):
    log = tmp_path / "calls.csv"
    log.write_text(text + "\n" if text else "", encoding="utf-8")
    out = tmp_path / "new.yaml"
    res = runner.invoke(app, ["fit", str(log), "--scenario", str(SCENARIOS / "wubei.yaml"),
                              "--out", str(out)])
    assert res.exit_code == 2, res.output
    message = res.stderr.strip()
    assert len(message.splitlines()) == 1 or len(message) > 100, message  # one (wrapped) message
    assert "Traceback" not in res.output
    where = f"{log}:{line}" if line else str(log)
    flat = " ".join(message.split())
    assert where in flat and column in flat and words in flat, flat
    assert not out.exists() and not out.with_name("new_fit").exists()


TOWNS = ("Taoxi-town", "Yongping-town", "Dahe-town", "Xiangdian-town")


def test_a_few_bad_rows_can_be_skipped_and_are_counted(tmp_path):
    rows = [HEADER] + [f"2024-01-0{d} 0{h}:00,theft,{TOWNS[h % 4]},2,1,{10 + h}"
                       for d in range(1, 8) for h in range(1, 9)]
    rows[5] = rows[5].replace(TOWNS[1], "Atlantis")  # line 6
    rows[9] = rows[9].replace(",2,1,", ",2,0,")  # line 10: no officers
    log = tmp_path / "calls.csv"
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    base = ["fit", str(log), "--scenario", str(SCENARIOS / "wubei.yaml")]
    res = runner.invoke(app, [*base, "--out", str(tmp_path / "a.yaml"), "--skip-bad-rows", "1"])
    assert res.exit_code == 2 and f"{log}:10" in res.stderr and "1 bad row(s) skipped" in res.stderr
    res = runner.invoke(app, [*base, "--out", str(tmp_path / "b.yaml"), "--skip-bad-rows", "2"])
    assert res.exit_code == 0, res.output
    assert "54 calls" in res.stdout and "2 bad row(s) skipped" in res.stdout
    report = (tmp_path / "b_fit" / "report.md").read_text(encoding="utf-8")
    assert "Bad rows skipped (2)" in report and f"{log}:6" in report


def test_columns_can_be_mapped(tmp_path):
    text = SHIPPED_LOG.read_text(encoding="utf-8").replace(
        "time,type,village,priority,officers,on_scene_min",
        "received,category,place,prio,units,scene_minutes", 1)
    log = tmp_path / "renamed.csv"
    log.write_text(text, encoding="utf-8")
    mapping = tmp_path / "columns.yaml"
    mapping.write_text("time: received\ntype: category\nvillage: place\n", encoding="utf-8")
    res = runner.invoke(app, ["fit", str(log), "--scenario", str(SCENARIOS / "wubei.yaml"),
                              "--out", str(tmp_path / "n.yaml"), "--columns", str(mapping),
                              "--column", "priority=prio", "--column", "officers=units",
                              "--column", "on_scene_min=scene_minutes"])
    assert res.exit_code == 0, res.output
    assert "1768 calls" in res.stdout


def test_start_must_be_a_monday():
    from sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="Monday"):
        call_log(_scenario(30), start=date(2024, 1, 2))


def test_a_township_without_calls_is_one_clear_error(tmp_path):
    log = tmp_path / "calls.csv"
    log.write_text(f"{HEADER}\n{GOOD}\n", encoding="utf-8")
    res = runner.invoke(app, ["fit", str(log), "--scenario", str(SCENARIOS / "wubei.yaml"),
                              "--out", str(tmp_path / "new.yaml")])
    assert res.exit_code == 2
    flat = " ".join(res.stderr.split())
    assert "would not be valid" in flat and "township 'Taoxi' has weight 0" in flat, flat
    assert not (tmp_path / "new.yaml").exists()


def test_the_period_sets_the_days_and_calls_outside_it_are_bad_rows(tmp_path):
    log = tmp_path / "calls.csv"
    rows = [HEADER] + [f"2024-01-0{d} 08:00,theft,{TOWNS[d % 4]},2,1,30" for d in range(1, 9)]
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    base = ["fit", str(log), "--scenario", str(SCENARIOS / "wubei.yaml")]
    res = runner.invoke(app, [*base, "--out", str(tmp_path / "a.yaml"),
                              "--period-start", "2024-01-01", "--period-end", "2024-01-16"])
    assert res.exit_code == 0, res.output
    assert "8 calls over 16 days" in res.stdout and "0.5000/day" in res.stdout
    res = runner.invoke(app, [*base, "--out", str(tmp_path / "b.yaml"),
                              "--period-start", "2024-01-02"])
    assert res.exit_code == 2
    assert f"{log}:2" in res.stderr and "outside the observation period" in res.stderr


def test_a_log_that_is_not_utf8_exits_2(tmp_path):
    log = tmp_path / "calls.csv"
    log.write_bytes(f"{HEADER}\n{GOOD}\n".encode() + "2024-01-02 08:00,theft,Dahe-town,2,1,3 é\n"
                    .encode("latin-1"))
    res = runner.invoke(app, ["fit", str(log), "--scenario", str(SCENARIOS / "wubei.yaml"),
                              "--out", str(tmp_path / "n.yaml")])
    assert res.exit_code == 2 and f"{log}:3" in res.stderr and "UTF-8" in res.stderr
