"""The notebooks run top to bottom on their small default settings, with the venv's Python.

The kernel is this interpreter (``sys.executable -m ipykernel_launcher``), from a
kernel spec written to a temporary folder: nothing needs installing beyond
``pip install -e '.[test]'``, and a ``python3`` kernel the user may have
registered for another Python is never used.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from tests.conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
KERNEL = "policesim-test"


@pytest.fixture(scope="module")
def kernel_specs(tmp_path_factory) -> KernelSpecManager:
    kernels = tmp_path_factory.mktemp("kernels")
    spec = kernels / KERNEL
    spec.mkdir()
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "policesim (test)",
        "language": "python",
        "env": {"MPLBACKEND": "module://matplotlib_inline.backend_inline"},
    }))
    return KernelSpecManager(kernel_dirs=[str(kernels)], ensure_native_kernel=False)


def execute(path: Path, specs: KernelSpecManager, tmp_path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)
    client = NotebookClient(
        nb, km=km, timeout=300, kernel_name=KERNEL,
        resources={"metadata": {"path": str(NOTEBOOKS)}},  # run where Jupyter would
    )
    # a private HOME: IPython's profile and matplotlib's cache go to the test's folder
    env = {**os.environ, "HOME": str(tmp_path), "MPLCONFIGDIR": str(tmp_path / "mpl")}
    client.execute(env=env)
    return nb


def outputs(nb: nbformat.NotebookNode, kind: str) -> list:
    return [
        o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
        if kind in o.get("data", {})
    ]


def all_text(nb: nbformat.NotebookNode) -> str:
    """Printed text and plain-text displays of every code cell."""
    out = []
    for c in nb.cells:
        for o in c.get("outputs", []) if c.cell_type == "code" else []:
            out.append(o.get("text", ""))
            out.append(o.get("data", {}).get("text/plain", ""))
    return "\n".join(out)


@pytest.mark.parametrize("name", ["compare_models.ipynb", "staffing_sweep.ipynb"])
def test_notebook_is_stored_clean_with_a_parameters_cell_first(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), "first code cell must be tagged"
    for c in code:
        assert c.outputs == [] and c.execution_count is None, "stored with outputs"
    assert "multiprocessing" not in "".join(c.source for c in code)


def test_compare_models_runs_top_to_bottom(kernel_specs, tmp_path):
    nb = execute(NOTEBOOKS / "compare_models.ipynb", kernel_specs, tmp_path)
    images = outputs(nb, "image/png")
    assert len(images) == 6, "one chart per chart cell"
    text = all_text(nb)
    assert "replications [" + "#" * 30 + "] 3/3" in text  # the progress bar, finished
    assert "report:" in text
    # Differences formatted as sim.compare formats them (issue 11, 10g), never as 1.82e-01.
    assert not re.search(r"\d\.\d+e[-+]\d\d", text), text
    assert " pp [" in text  # a share difference, in percentage points with its interval


def test_staffing_sweep_runs_top_to_bottom(kernel_specs, tmp_path):
    nb = execute(NOTEBOOKS / "staffing_sweep.ipynb", kernel_specs, tmp_path)
    assert len(outputs(nb, "image/png")) >= 5
    assert outputs(nb, "text/html"), "the table of points"
