"""JSON API, part 1: models, built-in scenarios and the workspace of scenarios being edited."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Header, Response, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import PlainTextResponse

from ..errors import ScenarioError
from ..io import load_scenario
from ..io.yaml_io import dump_yaml, scenario_from_dict, scenario_to_dict
from ..models import list_models
from ..scenario import Scenario, slugify
from ..scenarios import builtin_names, builtin_scenario
from .context import (
    BuiltinCreate,
    EntryOut,
    ErrorOut,
    ModelOut,
    ScenarioCreate,
    ScenarioOut,
    ScenarioPut,
    TableEdit,
    WebContext,
    get_ctx,
)
from .limits import LimitError
from .uploads import check_upload
from .workspace import SCENARIO_ID, Entry, NotFound, StaleEdit, edit_table

UPLOAD_TYPES = (".yaml", ".yml", ".csv", ".tsv", ".txt", ".xlsx")
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 404, 409, 413, 422, 429)
}
router = APIRouter(prefix="/api", responses=ERRORS)
Ctx = Annotated[WebContext, Depends(get_ctx)]
Sid = Annotated[str, PathParam(pattern=SCENARIO_ID, description="16 hex digits, made by the server")]


def entry_out(entry: Entry) -> dict[str, Any]:
    sc = entry.scenario
    return {"id": entry.id, "version": entry.version, "title": sc.title, "scenario_id": sc.id,
            "origin": entry.origin, "n_actors": len(sc.actors), "n_issues": len(sc.issues),
            "n_variants": len(sc.variants)}


def scenario_out(entry: Entry, response: Response | None = None) -> dict[str, Any]:
    if response is not None:
        response.headers["ETag"] = entry.etag
    return {**entry_out(entry), "scenario": scenario_to_dict(entry.scenario)}


def _version(version: int, if_match: str | None, entry: Entry) -> int:
    """The version an edit is based on: the body's, unless an If-Match ETag says otherwise."""
    if if_match and if_match.strip() != "*":
        tag = if_match.strip().removeprefix("W/")
        if tag != entry.etag:
            raise StaleEdit(f"scenario '{entry.id}' was changed meanwhile (If-Match {if_match} does not match "
                            f"the current ETag {entry.etag}); reload and edit again")
    return version


@router.get("/models", response_model=list[ModelOut], summary="Models this installation has")
def models() -> list[dict[str, Any]]:
    return [{"id": m.id, "name": m.name, "description": m.description, "dynamic": m.dynamic,
             "parameters": [{"name": p.name, "default": p.default, "description": p.description}
                            for p in m.parameters]} for m in list_models()]


@router.get("/builtins", response_model=list[str], summary="Names of the built-in scenarios")
def builtins() -> list[str]:
    return builtin_names()


@router.get("/scenarios", response_model=list[EntryOut], summary="Scenarios in the workspace")
def list_scenarios(ctx: Ctx) -> list[dict[str, Any]]:
    return [entry_out(e) for e in ctx.workspace.list()]


@router.post("/scenarios/builtin", response_model=ScenarioOut, status_code=201,
             summary="Copy a built-in scenario into the workspace")
def add_builtin(body: BuiltinCreate, ctx: Ctx, response: Response) -> dict[str, Any]:
    if body.name not in builtin_names():
        raise NotFound(f"no built-in scenario '{body.name}' (known: {', '.join(builtin_names())})")
    entry = ctx.workspace.add(builtin_scenario(body.name), origin=f"built-in {body.name}")
    return scenario_out(entry, response)


@router.post("/scenarios", response_model=ScenarioOut, status_code=201,
             summary="Add a scenario given as JSON (the YAML format's keys)")
def add_json(body: ScenarioCreate, ctx: Ctx, response: Response) -> dict[str, Any]:
    entry = ctx.workspace.add(scenario_from_dict(body.scenario, file="request body"), origin="api")
    return scenario_out(entry, response)


@router.post("/scenarios/upload", response_model=ScenarioOut, status_code=201,
             summary="Upload a scenario file (.yaml, .csv, .xlsx, KTAB or Decide CSV)")
def upload(file: Annotated[UploadFile, File()], ctx: Ctx, response: Response) -> dict[str, Any]:
    # Only the extension of the client's file name is used, to pick the reader; the name itself never
    # touches the filesystem (the file is written as 'upload<ext>' in a fresh temporary folder).
    shown = PurePosixPath((file.filename or "upload").replace("\\", "/")).name[:120] or "upload"
    suffix = PurePosixPath(shown).suffix.lower()
    if suffix not in UPLOAD_TYPES:
        raise ScenarioError(f"unsupported file type '{suffix or '(none)'}'", file=shown,
                            expected=", ".join(UPLOAD_TYPES))
    data = file.file.read(ctx.limits.max_upload_bytes + 1)
    if len(data) > ctx.limits.max_upload_bytes:
        raise LimitError(f"the file is larger than this server accepts ({ctx.limits.max_upload_bytes:,} bytes, "
                         "limit max_upload_bytes)", status=413)
    if not data.strip():
        raise ScenarioError("the file is empty", file=shown, expected="a scenario file")
    with tempfile.TemporaryDirectory(prefix="stakes-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            check_upload(path, shown, ctx.limits)
            scenario = load_scenario(path)
        except ScenarioError as exc:
            exc.file = shown
            raise
        except (UnicodeDecodeError, ValueError) as exc:
            raise ScenarioError(f"cannot read the file: {exc}", file=shown) from None
    scenario = titled_after(scenario, path, shown)
    entry = ctx.workspace.add(scenario, origin=f"upload {shown}")
    return scenario_out(entry, response)


def titled_after(scenario: Scenario, written: Path, shown: str) -> Scenario:
    """Readers that title a scenario after its file's name saw the temporary name: use the upload's own."""
    if scenario.title != written.stem:
        return scenario
    stem = PurePosixPath(shown).stem or written.stem
    return scenario.model_copy(update={"title": stem, "id": slugify(stem) or scenario.id})


@router.get("/scenarios/{sid}", response_model=ScenarioOut, summary="A scenario with its version (ETag)")
def get_scenario(sid: Sid, ctx: Ctx, response: Response) -> dict[str, Any]:
    return scenario_out(ctx.workspace.get(sid), response)


@router.put("/scenarios/{sid}", response_model=ScenarioOut,
            summary="Replace a scenario; 409 if it changed since the version you edited")
def put_scenario(sid: Sid, body: ScenarioPut, ctx: Ctx, response: Response,
                 if_match: Annotated[str | None, Header(max_length=200)] = None) -> dict[str, Any]:
    entry = ctx.workspace.get(sid)
    version = _version(body.version, if_match, entry)
    scenario = scenario_from_dict(body.scenario, file="request body")
    return scenario_out(ctx.workspace.replace(sid, version, scenario), response)


@router.patch("/scenarios/{sid}/table", response_model=ScenarioOut,
              summary="Edit positions, saliences and capabilities; 409 on a stale version")
def patch_table(sid: Sid, body: TableEdit, ctx: Ctx, response: Response,
                if_match: Annotated[str | None, Header(max_length=200)] = None) -> dict[str, Any]:
    entry = ctx.workspace.get(sid)
    version = _version(body.version, if_match, entry)
    if version != entry.version:
        raise StaleEdit(f"scenario '{sid}' was changed meanwhile: your edit is based on version {version}, "
                        f"the current version is {entry.version}; reload and edit again")
    scenario = edit_table(entry.scenario, [c.model_dump() for c in body.cells],
                          [a.model_dump() for a in body.actors])
    return scenario_out(ctx.workspace.replace(sid, version, scenario), response)


@router.delete("/scenarios/{sid}", status_code=204, response_class=Response, summary="Remove a scenario")
def delete_scenario(sid: Sid, ctx: Ctx) -> Response:
    ctx.workspace.delete(sid)
    return Response(status_code=204)


def file_response(media_type: str, binary: bool = False) -> dict[int | str, dict[str, Any]]:
    """Document a download's success content (errors stay JSON, from the router's ``responses``)."""
    schema = {"type": "string", "format": "binary"} if binary else {"type": "string"}
    return {200: {"content": {media_type: {"schema": schema}}, "description": "the file"}}


@router.get("/scenarios/{sid}/scenario.yaml", responses=file_response("application/x-yaml"),
            summary="Download the scenario as YAML")
def download_yaml(sid: Sid, ctx: Ctx) -> PlainTextResponse:
    entry = ctx.workspace.get(sid)
    return PlainTextResponse(dump_yaml(entry.scenario), media_type="application/x-yaml", headers={
        "Content-Disposition": f'attachment; filename="{entry.scenario.id}.yaml"', "ETag": entry.etag})
