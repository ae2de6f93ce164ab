"""JSON API, part 3: add, replace and delete a scenario's variants and theses.

Bodies carry the scenario's own records (:class:`~stakes.scenario.Variant`, the thesis kinds), so a field
of the wrong type or out of range is refused with 422 naming it (``body.variant.changes.0.value: ...``);
references and the changes' effects are checked on the whole edited scenario (:mod:`.editing`). Every edit
names the version it was made on (in the body, or ``?version=`` for a delete; an ``If-Match`` ETag also
works): an edit of a stale version is refused with 409 and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from ..scenario import Scenario, Thesis, Variant
from ..scenario_records import ID_PATTERN
from .api import ERRORS, Sid, _version, scenario_out
from .context import ScenarioOut, WebContext, get_ctx
from .editing import delete_thesis, delete_variant, put_thesis, put_variant
from .workspace import Entry, StaleEdit

router = APIRouter(prefix="/api", responses=ERRORS)
Ctx = Annotated[WebContext, Depends(get_ctx)]
RecordId = Annotated[str, PathParam(pattern=ID_PATTERN, max_length=80)]
IfMatch = Annotated[str | None, Header(max_length=200)]
Version = Annotated[int, Query(ge=1, description="the scenario version the deletion is made on")]


class _Edit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    """The scenario version the edit is made on (a stale one gets 409)."""


class VariantEdit(_Edit):
    variant: Variant


class ThesisEdit(_Edit):
    thesis: Thesis


def _edit(ctx: WebContext, sid: str, version: int, if_match: str | None,
          change: Callable[[Scenario], Scenario], response: Response) -> dict[str, Any]:
    entry: Entry = ctx.workspace.get(sid)
    version = _version(version, if_match, entry)
    if version != entry.version:
        raise StaleEdit(f"scenario '{sid}' was changed meanwhile: your edit is based on version {version}, "
                        f"the current version is {entry.version}; reload and edit again")
    return scenario_out(ctx.workspace.replace(sid, version, change(entry.scenario)), response)


@router.post("/scenarios/{sid}/variants", response_model=ScenarioOut, status_code=201,
             summary="Add a variant (a list of changes); 409 on a stale version")
def add_variant(sid: Sid, body: VariantEdit, ctx: Ctx, response: Response, if_match: IfMatch = None
                ) -> dict[str, Any]:
    return _edit(ctx, sid, body.version, if_match, lambda sc: put_variant(sc, None, body.variant), response)


@router.put("/scenarios/{sid}/variants/{vid}", response_model=ScenarioOut,
            summary="Replace (or rename) a variant; 409 on a stale version")
def replace_variant(sid: Sid, vid: RecordId, body: VariantEdit, ctx: Ctx, response: Response,
                    if_match: IfMatch = None) -> dict[str, Any]:
    return _edit(ctx, sid, body.version, if_match, lambda sc: put_variant(sc, vid, body.variant), response)


@router.delete("/scenarios/{sid}/variants/{vid}", response_model=ScenarioOut,
               summary="Delete a variant no thesis, variant or outcome uses; 409 on a stale version")
def remove_variant(sid: Sid, vid: RecordId, version: Version, ctx: Ctx, response: Response,
                   if_match: IfMatch = None) -> dict[str, Any]:
    return _edit(ctx, sid, version, if_match, lambda sc: delete_variant(sc, vid), response)


@router.post("/scenarios/{sid}/theses", response_model=ScenarioOut, status_code=201,
             summary="Add a thesis (threshold, closer or side); 409 on a stale version")
def add_thesis(sid: Sid, body: ThesisEdit, ctx: Ctx, response: Response, if_match: IfMatch = None
               ) -> dict[str, Any]:
    return _edit(ctx, sid, body.version, if_match, lambda sc: put_thesis(sc, None, body.thesis), response)


@router.put("/scenarios/{sid}/theses/{tid}", response_model=ScenarioOut,
            summary="Replace (or rename) a thesis; 409 on a stale version")
def replace_thesis(sid: Sid, tid: RecordId, body: ThesisEdit, ctx: Ctx, response: Response,
                   if_match: IfMatch = None) -> dict[str, Any]:
    return _edit(ctx, sid, body.version, if_match, lambda sc: put_thesis(sc, tid, body.thesis), response)


@router.delete("/scenarios/{sid}/theses/{tid}", response_model=ScenarioOut,
               summary="Delete a thesis; 409 on a stale version")
def remove_thesis(sid: Sid, tid: RecordId, version: Version, ctx: Ctx, response: Response,
                  if_match: IfMatch = None) -> dict[str, Any]:
    return _edit(ctx, sid, version, if_match, lambda sc: delete_thesis(sc, tid), response)
