"""Design the reform: which stations to pool, which hosts, and how many officers (issue 14).

- :mod:`.candidates`: candidate pools (road-connected, members near the host, sizes in range);
- :mod:`.proxy`: the fast analytic score of a pool (no simulation);
- :mod:`.partition`: exact set partitioning by ``scipy.optimize.milp`` (HiGHS), K best;
- :mod:`.designs`: a grouping as a scenario document (a different ``pooled:`` list);
- :mod:`.simulate`: paired simulation on common random numbers, stored per task (resumable);
- :mod:`.evaluate`: rank designs by paired differences against the status quo;
- :mod:`.staffing`: the smallest staffing that meets a target with 95% confidence;
- :mod:`.commands`: the ``policesim design`` and ``policesim staff`` commands.
"""
