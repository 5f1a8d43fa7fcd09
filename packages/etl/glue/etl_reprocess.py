"""Reprocess mode of the Glue job (`--reprocess_scope`, set by `ohlcv reprocess --stage`): the
same as the DuckDB runtime's reprocess (packages/etl/src/reprocess.ts), on Spark.

1. The plan runs into a shadow lake under `_runs/<run id>/rebuild/` (the job role's own
   prefix): the table zones and run summaries there are empty, so no existing row takes part —
   the range is rebuilt from the manifest's raw objects alone, under the current plan.
2. Each partition in scope (`scope_of`, the twin of reprocess.ts's `scopeOf`, checked against it
   on the same cases by packages/etl/test/reprocess-twins.test.ts) becomes a new version folder
   of the real lake's partition (`<partition>/_v<n>-<run id>/`, atomic publish): the rebuild's
   files, or an empty file of the table's columns where the rebuild has nothing left (the
   partition is then empty when the catalog switches to it). Nothing outside the scope is
   touched.
3. The run summary lists exactly those versions: catalog-sync switches them forward when the
   run succeeds; a run that fails before it has published nothing anyone reads.
"""

import json
import re

import etl_runner
from etl_versions import CommittedVersions, publish_version

SHADOWED = ("processed/", "quarantine/", "_runs/")


class ShadowStorage:
    """The store as the rebuild sees it: table zones and summaries under `root`, the rest as is."""

    def __init__(self, inner, root):
        self.inner = inner
        self.root = root

    def key(self, key):
        return self.root + key if key.startswith(SHADOWED) else key

    def url(self, key):
        return self.inner.url(self.key(key))

    def read(self, key):
        return self.inner.read(self.key(key))

    def read_url(self, url):
        return self.inner.read_url(url)

    def write(self, key, body):
        self.inner.write(self.key(key), body)

    def list_dirs(self, prefix):
        return self.inner.list_dirs(self.key(prefix))

    def list_files(self, prefix):
        # Keys as the runner knows them (unshadowed), so it can take them apart by its prefixes.
        return [k[len(self.root):] if k.startswith(self.root) else k
                for k in self.inner.list_files(self.key(prefix))]

    def move_prefix(self, src, dst):
        # Both ends: the runner publishes its versions into the shadow's table zones.
        self.inner.move_prefix(self.key(src), self.key(dst))

    def __getattr__(self, name):
        # Any other store call the runner makes takes a key first: shadow it the same way.
        fn = getattr(self.inner, name)
        return lambda key, *a, **kw: fn(self.key(key), *a, **kw)


def parse_scope(text):
    """The `--reprocess_scope` JSON (core's reprocessScopeSchema): from, to (YYYY-MM-DD), symbols."""
    scope = json.loads(text)
    if not isinstance(scope, dict) or set(scope) - {"from", "to", "symbols"}:
        raise SystemExit(f"--reprocess_scope: expected an object with from, to, symbols; got {text!r}")
    for k in ("from", "to"):
        if k in scope and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(scope[k])):
            raise SystemExit(f"--reprocess_scope: {k} must be YYYY-MM-DD, not {scope[k]!r}")
    if "symbols" in scope and (not isinstance(scope["symbols"], list) or not scope["symbols"]):
        raise SystemExit("--reprocess_scope: symbols must be a non-empty list")
    return scope


def _in_range(d, s):
    return (not s.get("from") or d >= s["from"]) and (not s.get("to") or d <= s["to"])


def _month_meets(m, s):
    return (not s.get("from") or m >= s["from"][:7]) and (not s.get("to") or m <= s["to"][:7])


def scope_of(table, s, rebuilt, current):
    """The partitions of `table` to take from the rebuild (twin of reprocess.ts `scopeOf`)."""
    chosen = {}

    def add(p):
        chosen.setdefault(json.dumps(p, sort_keys=True), p)

    symbols = s.get("symbols") or []
    symbol_ok = lambda sym: not symbols or sym in symbols  # noqa: E731
    everything = list(rebuilt) + list(current)
    if table == "bars":
        for p in everything:
            if _in_range(p["date"], s) and symbol_ok(p["symbol"]):
                add(p)
        if s.get("to"):
            after = {}
            # Only a partition the rebuild has: one after the range is never removed.
            for p in rebuilt:
                if p["date"] > s["to"] and symbol_ok(p["symbol"]) and (
                        p["symbol"] not in after or p["date"] < after[p["symbol"]]):
                    after[p["symbol"]] = p["date"]
            for symbol, date in after.items():
                add({"date": date, "symbol": symbol})
    elif table == "bars_hourly":
        for p in everything:
            if _in_range(p["date"], s):
                add(p)
    elif table == "bars_daily":
        for p in everything:
            if _month_meets(p["month"], s):
                add(p)
        later = sorted(p["month"] for p in rebuilt if s.get("to") and p["month"] > s["to"][:7])
        if later:
            add({"month": later[0]})
    elif not s.get("from") and not s.get("to") and not symbols:
        for p in everything:
            add(p)
    return list(chosen.values())


def run_reprocess(spark, storage, args, now=None):
    scope = parse_scope(args["reprocess_scope"])
    job_run_id = args["JOB_RUN_ID"]
    shadow_root = f"_runs/{job_run_id}/rebuild/"
    shadow = ShadowStorage(storage, shadow_root)
    summary = etl_runner.run_job(spark, shadow, args, now=now)

    from etl_plan import Plan

    plan = Plan(lambda rel: storage.read_url(args["sql_prefix"] + rel))
    written = {(w["table"], json.dumps(w["values"], sort_keys=True)): w for w in summary["partitionsWritten"]}
    # The real lake's committed versions: each partition's next version is one after its newest
    # committed one, and versions no summary commits are rolled back (publish_version, the same
    # rules as a normal run and as reprocess.ts).
    committed = CommittedVersions(storage)
    published = []
    for out in plan.outputs:
        table = out["table"]
        shape = plan.tables[table]
        keys = shape["partitionKeys"]
        rebuilt = etl_runner._list_partitions(shadow, shape["location"], keys)
        current = etl_runner._list_partitions(storage, shape["location"], keys)
        rebuilt_keys = {json.dumps(p, sort_keys=True) for p in rebuilt}
        for p in scope_of(table, scope, rebuilt, current):
            partition = f"{shape['location']}{plan.partition_path(keys, p)}/"
            pkey = json.dumps(p, sort_keys=True)
            if pkey in rebuilt_keys:
                wrote = written.get((table, pkey))
                if wrote is None:
                    raise RuntimeError(f"reprocess: the rebuild has {partition} but its summary does not list it")
                # The rebuild's own version folder moves in as the live partition's next version.
                dest = publish_version(committed, storage, shadow.key(wrote["location"]), partition, job_run_id)
                rows = wrote["rows"]
            else:
                empty = f"{shadow_root}_empty/{partition}"
                _write_empty(spark, storage, shape, empty)
                dest = publish_version(committed, storage, empty, partition, job_run_id)
                rows = 0
            published.append({"table": table, "values": {k: p[k] for k in keys}, "location": dest, "rows": rows})
    summary = {**summary, "partitionsWritten": published}
    storage.write(f"_runs/{job_run_id}/summary.json", (json.dumps(summary, indent=2) + "\n").encode())
    storage.delete_prefix(shadow_root)
    return summary


def _write_empty(spark, storage, shape, dest):
    """A partition the rebuild has nothing left in: one empty file of the table's file columns."""
    types = {c["name"]: c["type"] for c in shape["columns"]}
    ddl = ", ".join(f"`{c}` {'timestamp_ntz' if types[c] == 'timestamp' else types[c]}" for c in shape["fileColumns"])
    spark.createDataFrame([], ddl).coalesce(1).write.mode("overwrite") \
        .option("compression", shape["compression"]).parquet(storage.url(dest))
    for k in storage.list_files(dest):
        if not k.endswith(".parquet"):
            storage.delete_prefix(k)
