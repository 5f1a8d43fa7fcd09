"""The PySpark runner of the shared ETL plan: lists, loads, runs SQL and writes. Every
decision (steps and order, which partitions to read, outputs, staging contract, escaping)
comes from the plan files (etl_plan.Plan); this module only moves data between the store
and Spark. Twin of packages/etl/src/job.ts (the DuckDB runner); the parity suite
(packages/etl/test/parity.spark.test.ts) runs both on the same drops.

The store is reached through `storage` (etl_job.py builds it: S3 on Glue, a local folder
elsewhere), so this module is plain PySpark.
"""

import json
import os
import re
import sys
import time
from datetime import datetime, timezone

from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType

import etl_versions
from etl_plan import Plan, parse_segment
from etl_screen import limits_from_args
from etl_staging import stage_objects, unique_objects

# Session settings the dialect map relies on (sql/etl/dialect.json): UTC, casts that
# return NULL on bad input, partitions overwritten one by one, partition values as text.
SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    # The files carry TIMESTAMP without time zone, as the DuckDB runner writes them.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # Proleptic Gregorian dates as they are (DuckDB's calendar): Spark otherwise refuses to
    # write a date before 1582-10-15, which the timestamp grammar lets through (years >= 1000).
    "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
}


class RowAccountingMismatch(Exception):
    pass


def configure(spark):
    for k, v in SESSION_CONF.items():
        spark.conf.set(k, v)


def _iso(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


class _Phases:
    """Phase timings on stderr when OHLCV_ETL_TIMING is set (as job.ts logs them at debug)."""

    def __init__(self):
        self.on = bool(os.environ.get("OHLCV_ETL_TIMING"))
        self.last = time.monotonic()

    def __call__(self, phase):
        if self.on:
            now = time.monotonic()
            sys.stderr.write(f"etl phase {phase}: {int((now - self.last) * 1000)} ms\n")
            self.last = now


def run_job(spark, storage, args, now=None):
    """One job run. args: JOB_NAME, JOB_RUN_ID, manifest_key, sql_prefix. Returns the run summary."""
    timer = _Phases()
    configure(spark)
    started = now or datetime.now(timezone.utc)
    plan = Plan(lambda rel: storage.read_url(args["sql_prefix"] + rel))
    manifest = json.loads(storage.read(args["manifest_key"]))
    job_run_id = args["JOB_RUN_ID"]
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", job_run_id):
        raise ValueError(f"unsafe --JOB_RUN_ID: {job_run_id!r}")
    # The stage screen's limits and the date floor: job arguments, else the plan's defaults.
    limits = limits_from_args(args, plan.staging["screen"])
    # The run's scratch prefix in the store (partitionBy writes there first), under the run's
    # own _runs/<id>/ (the Glue role writes only there and in the table zones); an earlier
    # attempt's leftovers go first.
    scratch = f"_runs/{job_run_id}/scratch/"
    storage.delete_prefix(scratch)
    try:
        return _run(spark, storage, plan, manifest, args, limits, scratch, started, timer)
    finally:
        storage.delete_prefix(scratch)


def _run(spark, storage, plan, manifest, args, limits, scratch, started, timer):
    job_run_id = args["JOB_RUN_ID"]
    _stage(spark, storage, plan, manifest, limits, scratch)
    # The run's parameters, as text (as job.ts passes them); the plan's SQL types them into run_params.
    version = plan.version()
    inputs = {"job_run_id": job_run_id, "now_text": _iso(started),
              "min_date": limits.min_date, "plan_version": version}
    names = plan.doc["runParams"]["inputs"]
    spark.createDataFrame([tuple(inputs[n] for n in names)], ", ".join(f"{n} string" for n in names)) \
        .createOrReplaceTempView("run_inputs")
    spark.sql(plan.render(plan.run_params_sql())).localCheckpoint(eager=True).createOrReplaceTempView("run_params")
    timer("staged")

    # Existing partitions are read at their current committed version (atomic publish).
    committed = etl_versions.CommittedVersions(storage)
    for step in plan.steps:
        for name in step.get("needs", []):
            _load_existing(spark, storage, plan, name, committed)
        df = spark.sql(plan.render(plan.step_sql(step)))
        if step["materialize"] == "table":
            # Computed once, here, with its lineage cut: every later step and rule then
            # reads a small in-memory table instead of re-planning the steps before it.
            df = df.localCheckpoint(eager=True)
        df.createOrReplaceTempView(step["relation"])
        timer(step["file"])

    # All rules in one query: one Spark job instead of one per rule.
    rules = plan.quality_rules()
    failed_by_rule = {}
    if rules:
        union = "\nUNION ALL\n".join(
            f"SELECT {i} AS rule_index, failed_rows FROM (\n{plan.render(r['sql'])}\n) q{i}" for i, r in enumerate(rules))
        failed_by_rule = {int(r["rule_index"]): int(r["failed_rows"] or 0) for r in spark.sql(union).collect()}
    data_quality = []
    for i, rule in enumerate(rules):
        failed = failed_by_rule.get(i, 0)
        data_quality.append({"rule": rule["rule"], "description": rule["description"],
                             "passed": failed == 0, "failedRows": failed})
    timer("quality")
    counts = spark.sql(f"SELECT * FROM {plan.doc['runCounts']}").collect()[0].asDict()
    top = spark.sql(f"SELECT * FROM {plan.doc['quarantineTop']['relation']} ORDER BY rank").collect()
    quarantine_reasons = [{"reasonCodes": r["reason_codes_csv"].split(","),
                           **({} if r["reason_detail"] is None else {"detail": r["reason_detail"]}),
                           "rows": int(r["rows"])} for r in top]
    written = []
    for out in plan.outputs:
        written += _write(spark, storage, plan, out, committed, scratch, job_run_id)
        timer(f"write {out['table']}")

    summary = {
        "jobRunId": job_run_id, "jobName": args["JOB_NAME"], "manifestId": manifest["manifestId"],
        "correlationId": manifest["correlationId"], "startedAt": _iso(started),
        "finishedAt": _iso(datetime.now(timezone.utc)), "objects": len(unique_objects(manifest["objects"])),
        "rowsIn": int(counts["rows_in"]), "rowsKept": int(counts["rows_kept"]),
        "rowsQuarantined": int(counts["rows_quarantined"]), "duplicates": int(counts["duplicates"]),
        "partitionsWritten": written, "dataQuality": data_quality, "quarantineReasons": quarantine_reasons,
        "planVersion": version,
    }
    if summary["rowsIn"] != summary["rowsKept"] + summary["rowsQuarantined"] + summary["duplicates"]:
        raise RowAccountingMismatch(f"rows in {summary['rowsIn']} != kept + quarantined + duplicates")
    # The commit: until this one object exists no reader takes any version this run wrote.
    storage.write(f"_runs/{job_run_id}/summary.json", (json.dumps(summary, indent=2) + "\n").encode())
    return summary


def _stage(spark, storage, plan, manifest, limits, scratch):
    """staged_records: every object screened and staged into NDJSON parts in the run's scratch
    (in the store, so executors on S3 read them too; cleaned up with the scratch), then read
    by Spark. The driver holds one part at a time, never the batch (etl_staging.stage_objects)."""
    contract = plan.staging
    columns = contract["columns"]
    keys, _ = stage_objects(storage, contract, manifest["objects"], limits, f"{scratch}staged/")
    schema = StructType([StructField(c, LongType() if c in contract["bigintColumns"] else StringType())
                         for c in columns])
    if not keys:
        df = spark.createDataFrame([], schema)
    else:
        # FAILFAST: a part Spark cannot read fails the run instead of becoming NULL rows.
        # maxStringLen: Jackson's default (20M chars) is below a JSON document's cap.
        df = spark.read.schema(schema).option("mode", "FAILFAST").option("maxStringLen", str(2**31 - 1)) \
            .json([storage.url(k) for k in keys])
    df.createOrReplaceTempView("staged_records")


def _list_partitions(storage, location, keys):
    """Every existing partition under a table folder: [{key: decoded value}]."""
    level = [({}, location)]
    for key in keys:
        nxt = []
        for values, prefix in level:
            for name in storage.list_dirs(prefix):
                seg = parse_segment(name)
                if seg and seg[0] == key:
                    nxt.append(({**values, key: seg[1]}, f"{prefix}{name}/"))
        level = nxt
    return [v for v, _ in level]


def _load_existing(spark, storage, plan, name, committed):
    spec = plan.existing[name]
    shape = plan.tables[spec["table"]]
    keys = shape["partitionKeys"]
    columns = [c["name"] for c in shape["columns"]]
    path_only = [k for k in keys if k not in columns]
    schema = ", ".join([f"{c['name']} {c['type']}" for c in shape["columns"]]
                       + [f"{k} string" for k in path_only] + ["is_context int"])
    # Only partitions with a current version exist for the selection: a folder holding
    # nothing but a failed run's versions is not one (its "previous partition" is older).
    # Finding a folder's current version is an S3 LIST of its version folders, and a 10M-row
    # lake has 7,000-50,000 bars partitions, so it is found only for the folders the selection
    # picks: select over every folder, drop the picked ones that have no current version,
    # select again, until every picked folder has one (job.ts loadExisting does the same; the
    # plan's selections read lake_partitions only through joins, min and max, so a folder
    # that is not picked changes nothing).
    candidates = [(tuple(values[k] for k in keys), values) for values in _list_partitions(storage, shape["location"], keys)]
    files_of = {}
    absent = set()
    while True:
        listed = [values for at, values in candidates if at not in absent]
        if not listed:  # nothing to choose from (a fresh lake): no Spark job
            chosen = []
            break
        spark.createDataFrame([tuple(p[k] for k in keys) for p in listed], ", ".join(f"{k} string" for k in keys)) \
            .createOrReplaceTempView("lake_partitions")
        chosen = spark.sql(plan.render(plan.select_sql(name))).collect()
        before = len(absent)
        for r in chosen:
            at = tuple(str(r[k]) for k in keys)
            if at not in files_of:
                files_of[at] = etl_versions.current_files(
                    committed, storage, f"{shape['location']}{plan.partition_path(keys, dict(zip(keys, at)))}/")
            if not files_of[at]:
                absent.add(at)
        if len(absent) == before:
            break
    df = spark.createDataFrame([], schema)
    base = storage.url(shape["location"])
    for is_context in (0, 1):
        paths = [storage.url(f) for r in chosen if int(r["is_context"]) == is_context
                 for f in files_of[tuple(str(r[k]) for k in keys)]]
        if not paths:
            continue
        # mergeSchema: files written before a column was added (quarantine's reason_detail;
        # plan_version: lake layout < 3) lack it; without merging, Spark takes one file's schema
        # for all and may drop it. Where no file has it, it reads as NULL (job.ts does the same).
        part = spark.read.option("basePath", base).option("mergeSchema", "true").parquet(*paths)
        present = set(part.columns)
        typed = [(F.col(c["name"]) if c["name"] in present else F.lit(None)).cast(c["type"]).alias(c["name"])
                 for c in shape["columns"]]
        df = df.unionByName(part.select(*typed, *[F.col(k) for k in path_only], F.lit(is_context).alias("is_context")))
    # Read now: the same partitions are overwritten later in this run.
    (df.localCheckpoint(eager=True) if chosen else df).createOrReplaceTempView(name)


def _write(spark, storage, plan, out, committed, scratch, job_run_id):
    """partitionBy into the run's scratch prefix (one Spark job per table), then each partition
    moved in as a new version folder (publish_version): the summary's locations are these."""
    shape = plan.tables[out["table"]]
    keys = shape["partitionKeys"]
    types = {c["name"]: c["type"] for c in shape["columns"]}
    df = spark.table(out["relation"]).where(out["where"])
    partitions = []
    for r in sorted(df.groupBy(*keys).count().collect(), key=lambda r: tuple(r[k] for k in keys)):
        partitions.append(({k: str(r[k]) for k in keys}, int(r["count"])))
    if not partitions:
        return []
    # Exactly the table's columns (nothing of the steps' own, such as is_new), partition keys in the path.
    cols = [(F.col(c).cast("timestamp_ntz") if types[c] == "timestamp" else F.col(c).cast(types[c])).alias(c)
            for c in shape["fileColumns"]]
    out_prefix = f"{scratch}out/{out['table']}/"
    # The codec of tables.json, as the DuckDB runner writes it (not left to the session's default).
    df.select(*cols, *[F.col(k).cast("string") for k in keys]).write.mode("overwrite") \
        .option("compression", shape["compression"]).partitionBy(*keys).parquet(storage.url(out_prefix))
    written = []
    for values, rows in partitions:
        rel = plan.partition_path(keys, values)
        location = etl_versions.publish_version(committed, storage, f"{out_prefix}{rel}/",
                                                f"{shape['location']}{rel}/", job_run_id)
        written.append({"table": out["table"], "values": values, "location": location, "rows": rows})
    return written
