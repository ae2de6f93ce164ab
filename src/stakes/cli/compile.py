"""``stakes compile``: compile the numba kernels once, now (they are cached on disk for later processes)."""

from __future__ import annotations

from typing import Annotated

import typer

from .app import app, console


@app.command("compile")
def compile_command(
    models: Annotated[list[str] | None, typer.Option("--model", "-m", help="Only these models (repeatable).")] = None,
) -> None:
    """Compile the models' numba kernels now (once after install; later runs load them from disk).

    Also writes stakes' Python bytecode, which an editable install or PYTHONDONTWRITEBYTECODE leaves out.
    """
    from ..kernels import compile_bytecode, compile_kernels

    if not compile_bytecode():
        console.print("stakes' Python bytecode could not be written everywhere (read-only install?): "
                      "commands start a little slower", style="dim")

    def say(model: str) -> None:
        console.print(f"compiling the {model} kernels (numba) ...", style="dim")

    seconds = compile_kernels(models or None, progress=say)
    for model, took in seconds.items():
        console.print(f"{model}: ready ({took:.1f} s)")
