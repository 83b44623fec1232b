"""``policesim fit``: from a call log (one row per call) to a scenario's ``incident_types``.

Modules, one job each:

- :mod:`sim.fit.calls`: read and validate the CSV log (column mapping, bad rows);
- :mod:`sim.fit.rates`: rates with exact Poisson intervals, hour and weekday
  profiles, village demand, officers required;
- :mod:`sim.fit.durations`: on-scene time by maximum likelihood, AIC choice,
  goodness of fit, empirical fallback;
- :mod:`sim.fit.recovery`: does a fit cover the numbers that generated a log;
- :mod:`sim.fit.scenario_out`: the new scenario (a copy of the base with the fitted blocks);
- :mod:`sim.fit.report`: the fit report (markdown and one chart per type);
- :mod:`sim.fit.synthesize`: a synthetic call log drawn from a scenario's incident stream;
- :mod:`sim.fit.command`: the command line.
"""
