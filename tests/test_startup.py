"""Start-up: ``stakes --help`` lists commands without importing them, and the listing matches the real ones."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import typer.main

from stakes.cli import COMMANDS, load_all


def test_static_command_table_matches_the_registered_commands():
    group = typer.main.get_command(load_all())
    real = {name: group.get_command(None, name).get_short_help_str(500) for name in group.list_commands(None)}
    assert real == {name: short for name, (_module, short) in COMMANDS.items()}


def test_help_imports_no_heavy_library_and_lists_every_command():
    code = ("import sys\nsys.argv = ['stakes', '--help']\nfrom stakes.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = {'numpy', 'pandas', 'scipy', 'numba', 'SALib', 'fastapi', 'matplotlib', 'rich', 'pydantic'}\n"
            "print('HEAVY', sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout
    for name in COMMANDS:
        assert f"  {name} " in proc.stdout


def test_a_command_imports_only_its_own_module():
    code = ("import sys\nsys.argv = ['stakes', 'models']\nfrom stakes.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted(m for m in sys.modules if m.startswith('stakes.cli.')))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "LOADED ['stakes.cli.app', 'stakes.cli.models']" in proc.stdout
    assert "weighted-mean" in proc.stdout


def test_public_api_names_resolve_to_functions_even_after_submodule_imports():
    import stakes
    import stakes.forecast  # the submodule of the same name must not shadow the function
    import stakes.simulate

    assert callable(stakes.forecast) and stakes.forecast.__name__ == "forecast"
    assert callable(stakes.simulate) and stakes.simulate.__name__ == "simulate"
    for name in stakes.__all__:
        assert getattr(stakes, name) is not None


def test_a_kernel_about_to_compile_is_announced_once(caplog):
    numba = pytest.importorskip("numba")
    from stakes.models.jit import announce_compile

    kernel = numba.njit(lambda x: x + 1)
    with caplog.at_level("INFO", logger="stakes"):
        announce_compile(kernel, "test")
        assert "compiling the test kernel" in caplog.text
        kernel(1)
        caplog.clear()
        announce_compile(kernel, "test")  # compiled in this process now: nothing to say
        assert caplog.text == ""


def test_the_program_freezes_the_heap_after_main_whatever_its_exit(monkeypatch):
    """``stakes.cli.entry`` (console script, ``python -m stakes``) runs ``main`` and then freezes the heap, so
    the interpreter's last collections do not walk it; ``main`` alone (called by tests) does not."""
    import tomllib
    from pathlib import Path

    import stakes.cli as cli

    calls: list[str] = []
    monkeypatch.setattr(cli.gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(sys, "argv", ["stakes", "no-such-command"])
    with pytest.raises(SystemExit) as exit_info:  # an error exit still freezes
        cli.entry()
    assert exit_info.value.code == 2 and calls == ["freeze"]
    monkeypatch.setattr(sys, "argv", ["stakes", "--help"])
    with pytest.raises(SystemExit):
        cli.main()
    assert calls == ["freeze"]  # main alone does not
    scripts = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["stakes"] == "stakes.cli:entry"


def test_report_with_a_second_process_never_imports_matplotlib_here(tmp_path):
    """The charts are drawn in the second process; this one only assembles the page (importing matplotlib
    here too cost ~0.6 s at the very end of the command)."""
    from stakes.workers import usable_cores

    if usable_cores() < 2:
        pytest.skip("one usable core: the charts are drawn in this process")
    out = tmp_path / "r.html"
    code = ("import sys\n"
            f"sys.argv = ['stakes', 'report', '--runs', '20', '--sobol', '8', '--align-runs', '0',"
            f" '-o', {str(out)!r}]\n"
            "from stakes.cli import main\ntry:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code\n"
            "print('MATPLOTLIB', 'matplotlib' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "STAKES_DB": "off"})
    assert proc.returncode == 0, proc.stderr
    assert "MATPLOTLIB False" in proc.stdout
    assert "<svg" in out.read_text()
