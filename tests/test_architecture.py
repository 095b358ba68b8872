"""Only ui/ may import Qt: the core must run headless (CLI, CI, a server later)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE_PACKAGES = ("bpr_studio", "analysis", "cost_model", "sample_surveys")


def _core_modules() -> list[str]:
    modules = []
    for package in CORE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__main__":
                continue
            modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def test_no_core_module_imports_pyside6() -> None:
    modules = _core_modules()
    assert "bpr_studio.cli" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "", f"Qt imported by a core module: {result.stdout}"


def test_layer_contract_names_every_module_above_the_leaves() -> None:
    """A new module in bpr_studio (say a pipeline) is forbidden to analysis and
    cost_model unless it is made a leaf on purpose: the contract lists modules by name,
    so this test keeps the list complete."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layered = [c for c in contracts if "bpr_studio.store" in c["forbidden_modules"]]
    assert len(layered) == 2  # analysis/cost_model above the leaves; the leaves themselves
    leaves = {"bpr_studio.model", "bpr_studio.messages"}
    children = {f"bpr_studio.{p.stem if p.is_file() else p.name}"
                for p in (ROOT / "bpr_studio").iterdir()
                if (p.suffix == ".py" and p.stem not in ("__init__", "__main__"))
                or (p.is_dir() and (p / "__init__.py").exists())}
    assert {"bpr_studio.store", "bpr_studio.io", "bpr_studio.model"} <= children
    for contract in layered:
        missing = children - leaves - set(contract["forbidden_modules"])
        assert not missing, (f"add {sorted(missing)} to the contract "
                             f"'{contract['name']}' in pyproject.toml")


def test_the_window_starts_without_the_heavy_libraries_it_does_not_show():
    """Issue 12 (window shown ≤ 2 s): matplotlib loads in the chart render thread and
    openpyxl, lxml and the BPMN layout with the actions that use them; importing one of
    them at the top of a view costs the start-up about half a second each."""
    import os

    code = ("import sys, ui.app, ui.main_window, bpr_studio.sample_project\n"
            "print(sorted(m for m in ('matplotlib', 'openpyxl', 'lxml', 'analysis.charts') "
            "if m in sys.modules))")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=Path(__file__).resolve().parents[1], check=True).stdout
    assert out.strip() == "[]"
