"""Shared fixtures: paths to the shipped scenarios and a small scenario builder."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def scenario_dict(name: str) -> dict[str, Any]:
    """Return the raw YAML document of a shipped scenario (a fresh copy each call)."""
    return copy.deepcopy(yaml.safe_load((SCENARIOS / name).read_text(encoding="utf-8")))


@pytest.fixture
def wubei_dict() -> dict[str, Any]:
    return scenario_dict("wubei.yaml")


@pytest.fixture
def mmc_dict() -> dict[str, Any]:
    return scenario_dict("mmc_validation.yaml")
