#!/usr/bin/env python3
"""Score Bandit, Ruff and brine on the labelled code fixtures.

Each fixture line marked `# expect: BRN1xx` is a positive case, each `# ok` line a
negative one; unmarked lines (imports, setup) are not scored. A tool "flags" a case when
it reports a relevant finding on that line. Prints a per-category table of what each
tool catches and its precision/recall. Reads JSON reports only; runs nothing.

usage: compare.py LABELLED_DIR BANDIT_JSON RUFF_JSON BRINE_JSON
"""
import json
import os
import sys
from collections import defaultdict

BANDIT_TESTS = {"B301", "B302", "B506", "B614", "B615"}
RUFF_CODES = {"S301", "S302", "S506"}


def cases(labelled_dir):
    out = {}
    for name in sorted(os.listdir(labelled_dir)):
        if not name.endswith(".py"):
            continue
        with open(os.path.join(labelled_dir, name), encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if "# expect:" in line:
                    out[(name, number)] = True
                elif line.rstrip().endswith("# ok"):
                    out[(name, number)] = False
    return out


def load(path):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def bandit_hits(report):
    hits = set()
    for result in (report or {}).get("results", []):
        if result.get("test_id") in BANDIT_TESTS:
            hits.add((os.path.basename(result["filename"]), result["line_number"]))
    return hits


def ruff_hits(report):
    hits = set()
    for result in report or []:
        if result.get("code") in RUFF_CODES:
            hits.add((os.path.basename(result["filename"]), result["location"]["row"]))
    return hits


def brine_hits(report):
    hits = set()
    rows = report or []
    # Either the example's flat rows or the CLI's per-file reports.
    if isinstance(rows, dict):
        rows = rows.get("files", [])
    for row in rows:
        if "findings" in row:
            for finding in row["findings"]:
                rule = finding.get("rule", "")
                span = finding.get("span") or {}
                if rule.startswith("BRN1") and not rule.startswith("BRN19"):
                    hits.add((os.path.basename(row["path"]), span.get("line", 0)))
        else:
            rule = row.get("rule", "")
            if rule.startswith("BRN1") and not rule.startswith("BRN19"):
                hits.add((os.path.basename(row["path"]), row.get("line", 0)))
    return hits


def main():
    labelled_dir, bandit_json, ruff_json, brine_json = sys.argv[1:5]
    labelled = cases(labelled_dir)
    tools = {
        "bandit": bandit_hits(load(bandit_json)),
        "ruff": ruff_hits(load(ruff_json)),
        "brine": brine_hits(load(brine_json)),
    }
    categories = sorted({name for name, _ in labelled})
    header = f"{'category':<18} {'pos':>4} {'neg':>4}" + "".join(
        f" | {tool:>6} tp  fp  fn" for tool in tools
    )
    print(header)
    print("-" * len(header))
    totals = defaultdict(lambda: [0, 0, 0])
    for category in categories + ["TOTAL"]:
        keys = [k for k in labelled if category == "TOTAL" or k[0] == category]
        positives = sum(1 for k in keys if labelled[k])
        row = f"{category.removesuffix('.py'):<18} {positives:>4} {len(keys) - positives:>4}"
        for tool, hits in tools.items():
            tp = sum(1 for k in keys if labelled[k] and k in hits)
            fp = sum(1 for k in keys if not labelled[k] and k in hits)
            fn = positives - tp
            if category == "TOTAL":
                totals[tool] = [tp, fp, fn]
            row += f" | {'':>6} {tp:>3} {fp:>3} {fn:>3}"
        print(row)
    print()
    print(f"{'tool':<8} {'precision':>9} {'recall':>7}")
    for tool, (tp, fp, fn) in totals.items():
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        print(f"{tool:<8} {precision:>9.3f} {recall:>7.3f}")


if __name__ == "__main__":
    main()
