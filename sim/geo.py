"""Geographic coordinates: great-circle distances, nearest points and a flat map projection.

Nodes may carry ``lat``/``lon`` in decimal degrees (WGS 84, as GPS and
OpenStreetMap give them). Distances are great-circle (haversine) distances on
a sphere of the mean Earth radius; over a county the sphere's error against
the ellipsoid is below 0.5%, far inside the uncertainty of any detour factor.
Maps use an equirectangular projection scaled by the cosine of the mean
latitude, which keeps distances true to about 1% over a county-sized area
(tens of km); it is not meant for continents.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088
#: km per degree of latitude on that sphere.
KM_PER_DEGREE = np.pi * EARTH_RADIUS_KM / 180.0


def great_circle_km(
    lat1: float | np.ndarray,
    lon1: float | np.ndarray,
    lat2: float | np.ndarray,
    lon2: float | np.ndarray,
) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (haversine formula).

    Arguments broadcast against each other as numpy arrays.
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat = p2 - p1
    dlon = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def nearest_point(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> tuple[int, float]:
    """Index of the point of ``lats``/``lons`` nearest to (``lat``, ``lon``), and its km away."""
    km = great_circle_km(lat, lon, lats, lons)
    k = int(np.argmin(km))
    return k, float(km[k])


def project_km(
    lats: Iterable[float], lons: Iterable[float]
) -> tuple[np.ndarray, np.ndarray, float]:
    """Equirectangular projection in km: x east, y north, scaled by cos(mean latitude).

    Returns ``(x_km, y_km, mean_latitude)``; the origin is the points' mean.
    """
    lat = np.asarray(list(lats), dtype=float)
    lon = np.asarray(list(lons), dtype=float)
    mean_lat = float(lat.mean())
    x = (lon - lon.mean()) * KM_PER_DEGREE * np.cos(np.radians(mean_lat))
    y = (lat - lat.mean()) * KM_PER_DEGREE
    return x, y, mean_lat
