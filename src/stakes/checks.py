"""The checks a scenario must pass before models run, shared by ``forecast`` and ``stakes scenario check``.

Loading validates the file's own structure; these checks need the model registry and the variants applied:
every model named (run, or declared in ``models``) exists; every entry of ``parameters`` names a known
model, known parameters and values within their bounds; every variant applies (positions stay on the scale,
an actor is left) and leaves weight on every issue.
"""

from __future__ import annotations

from collections.abc import Sequence

from .arrays import check_weights, compile_scenario
from .errors import OptionError, ScenarioError
from .models import get_model, is_registered
from .scenario import Scenario
from .variants import BASELINE, apply_variant


def check_models(scenario: Scenario, models: Sequence[str] | None = None) -> None:
    """Refuse unknown models (``models``, default the scenario's own) and bad ``parameters`` entries."""
    declared = models is None
    for model_id in (scenario.default_models if declared else models):
        if not is_registered(model_id):
            if declared:
                raise ScenarioError(f"unknown model '{model_id}'", row="models",
                                    expected=_known_models())
            get_model(model_id)  # raises the OptionError of an unknown --model
    for model_id, params in scenario.parameters.items():
        if not is_registered(model_id):
            raise ScenarioError(f"parameters given for unknown model '{model_id}'", row=f"parameters.{model_id}",
                                expected=_known_models())
        try:
            get_model(model_id).resolve(params)
        except OptionError as exc:
            raise ScenarioError(str(exc), row=f"parameters.{model_id}") from None


def check_variants(scenario: Scenario, variants: Sequence[str] | None = None) -> None:
    """Apply each variant (default: baseline and all) and refuse one that cannot be forecast."""
    for variant in variants if variants is not None else [BASELINE, *(v.id for v in scenario.variants)]:
        check_weights(compile_scenario(apply_variant(scenario, variant)), variant)


def _known_models() -> str:
    from .models import list_models

    return "one of " + ", ".join(m.id for m in list_models())
