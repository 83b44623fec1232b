"""Independent random streams, one per purpose per replication, from one scenario seed.

Every stream's ``SeedSequence`` is built from ``(seed, replication, purpose)``
alone, so it does not depend on how many replications run, in which order, or
in which process. Adding a draw to one purpose leaves every other stream as it
was (the habit from pydesrap_mms and Ciw).
"""

from __future__ import annotations

import numpy as np

#: Purposes of the random streams; their position is part of the stream's identity.
PURPOSES: tuple[str, ...] = (
    "arrivals",
    "places",
    "officers_required",
    "on_scene",
    "investigation",
    "county_delay",
    "handling",
    "patrol",
    "walk_ins",
)


def stream_seed(
    seed: int, replication: int, purpose: str, extra: tuple[int, ...] = ()
) -> np.random.SeedSequence:
    """Return the SeedSequence for one purpose in one replication.

    ``extra`` adds more integers to the identity (a sweep adds its point's hash,
    a model adds its number for model-specific streams).
    """
    return np.random.SeedSequence(
        entropy=seed, spawn_key=(replication, PURPOSES.index(purpose), *extra)
    )


def rng(
    seed: int, replication: int, purpose: str, extra: tuple[int, ...] = ()
) -> np.random.Generator:
    """Return a fresh PCG64 generator for one purpose in one replication."""
    return np.random.Generator(np.random.PCG64(stream_seed(seed, replication, purpose, extra)))
