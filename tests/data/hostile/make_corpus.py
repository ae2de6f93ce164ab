"""Writes the hostile corpus next to this file: inputs an attacker or a careless user would try, in every
format stakes reads. ``python tests/data/hostile/make_corpus.py`` regenerates it (deterministic).

tests/test_hostile_corpus.py runs each file through ``stakes forecast`` and requires exit status 2 with a
located message, or a forecast of finite numbers in strict JSON; never a traceback.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

HERE = Path(__file__).parent

BASE = """title: Hostile {name}
issues:
  - {{id: i1, name: Issue one}}
  - {{id: i2, name: Issue two, scale_min: -10, scale_max: 10}}
actors:
  - {{id: a, name: Alpha, capability: {cap_a}}}
  - {{id: b, name: Beta, capability: {cap_b}}}
  - {{id: c, name: Gamma, capability: 10}}
stances:
  - {{actor: a, issue: i1, position: 10, salience: {sal_a}}}
  - {{actor: b, issue: i1, position: 90, salience: 60}}
  - {{actor: c, issue: i1, position: 50, salience: 40}}
  - {{actor: a, issue: i2, position: -10, salience: 50}}
  - {{actor: b, issue: i2, position: 10, salience: 50}}
{extra}"""


def base(name: str, cap_a: str = "30", cap_b: str = "60", sal_a: str = "80", extra: str = "") -> str:
    return BASE.format(name=name, cap_a=cap_a, cap_b=cap_b, sal_a=sal_a, extra=extra)


YAML = {
    "cap_1e308": base("cap", cap_a="1.0e+308"),
    "cap_inf": base("cap", cap_a=".inf"),
    "cap_nan": base("cap", cap_a=".nan"),
    "cap_negative": base("cap", cap_a="-5"),
    "cap_1e16": base("cap", cap_a="1.0e+16"),
    "cap_all_zero": base("zero", cap_a="0", cap_b="0").replace("capability: 10", "capability: 0"),
    "cap_ratio_extreme": base("ratio", cap_a="1.0e+15", cap_b="1.0e-300"),
    "cap_subnormal": base("subnormal", cap_a="5.0e-324", cap_b="5.0e-324").replace("capability: 10",
                                                                                "capability: 5.0e-324"),
    "cap_string": base("cap", cap_a="lots"),
    "stance_cap_inf": base("stance").replace("position: 90, salience: 60", "position: 90, salience: 60, "
                                             "capability: .inf"),
    "stance_cap_1e308": base("stance").replace("position: 90, salience: 60", "position: 90, salience: 60, "
                                               "capability: 1.0e+308"),
    "scale_1e308": base("scale").replace("scale_min: -10, scale_max: 10", "scale_min: -1.0e+308, "
                                         "scale_max: 1.0e+308"),
    "scale_reversed": base("scale").replace("scale_min: -10, scale_max: 10", "scale_min: 10, scale_max: -10"),
    "scale_equal": base("scale").replace("scale_min: -10, scale_max: 10", "scale_min: 3, scale_max: 3"),
    "scale_tiny_span": base("scale").replace("scale_min: -10, scale_max: 10", "scale_min: 0, scale_max: 1.0e-300")
    .replace("position: -10,", "position: 0,").replace("position: 10, salience: 50", "position: 0, salience: 50"),
    "position_off_scale": base("pos").replace("position: 90", "position: 900"),
    "position_nan": base("pos").replace("position: 90", "position: .nan"),
    "salience_150": base("sal", sal_a="150"),
    "salience_negative": base("sal", sal_a="-1"),
    "salience_all_zero": base("sal", sal_a="0").replace("salience: 60", "salience: 0")
    .replace("salience: 40", "salience: 0"),
    "variant_removes_everyone": base("variant", extra="variants:\n  - {id: v, name: V, changes: [{op: remove_actor, "
                                     "actor: a}, {op: remove_actor, actor: b}, {op: remove_actor, actor: c}]}\n"),
    "variant_off_scale": base("variant", extra="variants:\n  - {id: v, name: V, changes: [{op: move_position, "
                              "actor: a, issue: i1, value: 1000}]}\n"),
    "variant_cap_overflow": base("variant", extra="variants:\n  - {id: v, name: V, changes: [{op: scale_capability, "
                                 "actor: a, value: 1.0e+15}]}\n"),
    "variant_cycle": base("variant", extra="variants:\n  - {id: v, name: V, base: w}\n  - {id: w, name: W, base: v}\n"),
    "variant_unknown_actor": base("variant", extra="variants:\n  - {id: v, name: V, changes: [{op: remove_actor, "
                                  "actor: zz}]}\n"),
    "variant_zero_weight": base("variant", extra="variants:\n  - {id: v, name: V, changes: [{op: set_salience, "
                                "actor: a, issue: i1, value: 0}, {op: set_salience, actor: b, issue: i1, value: 0}, "
                                "{op: set_salience, actor: c, issue: i1, value: 0}]}\n"),
    "model_unknown": base("model", extra="models: [bdm, oracle]\n"),
    "params_exchange_rounds_1e7": base("params", extra="parameters: {exchange: {rounds: 10000000}}\n"),
    "params_smp_forever": base("params", extra="parameters: {smp: {rounds: 100000000, min_turns: 100000000}}\n"),
    "params_rounds_float_string": base("params", extra="parameters: {exchange: {rounds: 1e7}}\n"),
    "params_unknown_model": base("params", extra="parameters: {oracle: {rounds: 3}}\n"),
    "params_unknown_name": base("params", extra="parameters: {bdm: {turbo: true}}\n"),
    "params_probability_2": base("params", extra="parameters: {bdm: {Q: 2}}\n"),
    "params_not_mapping": base("params", extra="parameters: {bdm: [1, 2]}\n"),
    "invalid_date": base("date", extra="as_of: 2024-13-45\n"),
    "date_wrong_type": base("date", extra="as_of: [2024]\n"),
    "seed_negative": base("seed", extra="seed: -4\n"),
    "markup_in_ids_and_title": base("markup").replace("Hostile markup", "'[bold red]x[/] :x: root:x:0:0'"),
    "emoji_in_bad_id": base("emoji").replace("{id: i1,", "{id: 'root:x:0:0',"),
    "unknown_key": base("key", extra="colour: blue\n"),
    "thesis_unknown_actor": base("thesis", extra="theses:\n  - {id: t, kind: closer, claim: c, issue: i1, actor: a, "
                                 "other: zz}\n"),
    "affinity_1e308": base("affinity", extra="affinities:\n  - {a: a, b: b, value: 1.0e+308}\n"),
    "spread_cap_sd_huge": base("spread").replace("capability: 10}", "capability: 10, capability_sd: 1.0e+308}"),
    "status_quo_off_scale": base("sq").replace("scale_min: -10, scale_max: 10", "scale_min: -10, scale_max: 10, "
                                               "status_quo: 99"),
    "duplicate_actor": base("dup").replace("{id: c, name: Gamma", "{id: a, name: Gamma"),
    "billion_laughs": "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                      "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                      "g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
    "deep_nesting": "title: " + "[" * 5000 + "]" * 5000 + "\n",
    "top_level_list": "- title: x\n",
    "empty": "",
    "python_tag": "!!python/object/apply:os.system ['echo pwned']\n",
}

HEADER = "actor,issue,position,salience,capability\n"
TIDY = {
    "tidy_cap_1e308": HEADER + "a,i1,10,80,1e308\nb,i1,90,60,20\n",
    "tidy_cap_inf": HEADER + "a,i1,10,80,inf\nb,i1,90,60,20\n",
    "tidy_cap_nan": HEADER + "a,i1,10,80,nan\nb,i1,90,60,20\n",
    "tidy_all_power_zero": HEADER + "a,i1,10,80,0\nb,i1,90,60,0\n",
    "tidy_position_text": HEADER + "a,i1,ten,80,1\nb,i1,90,60,2\n",
    "tidy_missing_column": "actor,issue,position\na,i1,10\n",
    "tidy_header_only": HEADER,
    "tidy_huge_cell": HEADER + "a,i1,10,80," + "1" * 140_000 + "\nb,i1,90,60,20\n",
    "tidy_formula_injection": HEADER + "=cmd|' /C calc'!A0,i1,10,80,1\nb,i1,90,60,2\n",
    "tidy_scale_1e308": "actor,issue,position,salience,capability,scale_min,scale_max\n"
                        "a,i1,10,80,1,-1e308,1e308\nb,i1,90,60,2,-1e308,1e308\n",
}
PREDICTIONEER = {
    "pred_clout_1e308": "Actor,Clout,Position,Salience\nAlpha,1e308,10,80\nBeta,20,90,60\n",
    "pred_clout_inf": "Actor,Clout,Position,Salience\nAlpha,inf,10,80\nBeta,20,90,60\n",
    "pred_salience_1000": "Actor,Clout,Position,Salience\nAlpha,10,10,1000\nBeta,20,90,60\n",
    "pred_all_zero": "Actor,Clout,Position,Salience\nAlpha,0,10,80\nBeta,0,90,60\n",
}
KTAB = {
    "ktab_power_1e308": "Hostile,Scenario-1, 2, 1,\nActor,Description,Influence,P Position,P Salience,\n"
                        "A,Alpha,1e308,30,24.0,\nB,Beta,60.2,45,44.7,\n",
    "ktab_power_inf": "Hostile,Scenario-1, 2, 1,\nActor,Description,Influence,P Position,P Salience,\n"
                      "A,Alpha,inf,30,24.0,\nB,Beta,60.2,45,44.7,\n",
    "ktab_power_zero": "Hostile,Scenario-1, 2, 1,\nActor,Description,Influence,P Position,P Salience,\n"
                       "A,Alpha,0,30,24.0,\nB,Beta,0,45,44.7,\n",
    "ktab_truncated": "Hostile,Scenario-1, 2, 1,\nActor,Description,Influence,P Position,P Salience,\nA,Alpha,",
    "ktab_salience_500": "Hostile,Scenario-1, 2, 1,\nActor,Description,Influence,P Position,P Salience,\n"
                         "A,Alpha,10,30,500,\nB,Beta,60.2,45,44.7,\n",
}


def decide(power_a: str = "0.25", position_a: str = "70") -> str:
    return ("#A\tA\tAlpha\n#A\tB\tBeta\n#P\tp\tpolicy\n#P\tq\tother\n#M\tp\t0\tnone\n#M\tp\t100\tall\n"
            "#M\tq\t0\tnone\n#M\tq\t100\tall\n"
            f"#D\tA\tp\t{position_a}\t0.75\t{power_a}\n#D\tB\tp\t20\t0.6\t0.35\n"
            "#D\tA\tq\t10\t0.5\t0.5\n#D\tB\tq\t90\t0.4\t0.5\n")


DECIDE = {
    "decide_power_1e308": decide(power_a="1e308"),
    "decide_power_inf": decide(power_a="inf"),
    "decide_power_nan": decide(power_a="nan"),
    "decide_all_power_zero": decide(power_a="0").replace("0.35\n", "0\n").replace("0.5\n", "0\n"),
    "decide_position_off_scale": decide(position_a="700"),
    "decide_no_data": "#A\tA\tAlpha\n#P\tp\tpolicy\n",
}


def write_xlsx(name: str, rows: list[list[object]]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(HERE / f"{name}.xlsx")


def main() -> None:
    for name, text in YAML.items():
        (HERE / f"{name}.yaml").write_text(text, encoding="utf-8")
    for group in (TIDY, PREDICTIONEER, KTAB):
        for name, text in group.items():
            (HERE / f"{name}.csv").write_text(text, encoding="utf-8")
    for name, text in DECIDE.items():
        (HERE / f"{name}.tsv").write_text(text, encoding="utf-8")
    (HERE / "binary_garbage.yaml").write_bytes(bytes(range(256)) * 8)
    (HERE / "latin1_bytes.csv").write_bytes(HEADER.encode() + "Ålpha,i1,10,80,1\nb,i1,90,60,2\n".encode("latin-1"))
    (HERE / "not_a_zip.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    with zipfile.ZipFile(HERE / "zip_without_workbook.xlsx", "w") as zf:
        zf.writestr("hello.txt", "no workbook here")
    write_xlsx("xlsx_cap_1e308", [["actor", "issue", "position", "salience", "capability"],
                                  ["a", "i1", 10, 80, 1e308], ["b", "i1", 90, 60, 20]])
    write_xlsx("xlsx_all_power_zero", [["actor", "issue", "position", "salience", "capability"],
                                       ["a", "i1", 10, 80, 0], ["b", "i1", 90, 60, 0]])
    write_xlsx("xlsx_empty", [])


if __name__ == "__main__":
    main()
