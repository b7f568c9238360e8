"""The analyst notebook runs from top to bottom on the demo round."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow  # executes the walkthrough notebook in a kernel


def test_walkthrough_notebook_executes(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMG_ROOT", str(tmp_path))  # demo data goes to a scratch project
    notebook = nbformat.read(root / "notebooks" / "walkthrough.ipynb", as_version=4)
    NotebookClient(notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "Response rate" in text and "Kendall" in text
    assert (tmp_path / "data" / "raw" / "ewaste_img" / "2026-R1").is_dir()
