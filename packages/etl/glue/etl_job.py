"""Glue ETL job: the same sql/etl steps as the local DuckDB job, on Spark SQL.

Arguments: --manifest_key (`_manifests/<id>.json`, set by etl-trigger), --bucket (the lake
bucket), --sql_prefix (S3 prefix holding the repo's sql/ folder, e.g. `_glue/sql/`).
Flow, as in packages/etl/src/job.ts: read the manifest, stage its raw objects into the
uniform `staged_records` relation (this file's only format-specific code), run every
sql/etl/NN_*.sql step with spark.sql after substituting sql/etl/dialect.json's Spark
names, load the existing rows of the partitions a step needs, evaluate sql/quality,
write the touched partitions with dynamic partition overwrite and the run summary.
Spark writes partition columns only in the path (Hive style, `/` escaped as %2F).
"""

import csv
import gzip
import io
import json
import re
import sys
from datetime import datetime, timezone

import boto3
from awsglue.utils import getResolvedOptions
from pyspark.sql import SparkSession, functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType

CANONICAL = ["symbol", "exchange", "mic_code", "currency", "instrument_type", "interval", "ts",
             "open", "high", "low", "close", "volume", "source", "ingested_at"]
STAGED = ["raw_object", "line_number", "raw_record", "stage_error", "unknown_keys", *CANONICAL, "tz",
          "object_date", "object_ingested_at"]
# name -> (location, partition keys, filter on the output relation, output relation)
OUTPUTS = {
    "bars": ("processed/bars/", ["date", "symbol"], "is_context = 0", "bars_out"),
    "bars_hourly": ("processed/bars_hourly/", ["date"], "true", "hourly_out"),
    "bars_daily": ("processed/bars_daily/", ["month"], "is_context = 0", "daily_out"),
    "quarantine": ("quarantine/", ["date"], "true", "quarantine_out"),
}

args = getResolvedOptions(sys.argv, ["JOB_NAME", "JOB_RUN_ID", "manifest_key", "bucket", "sql_prefix"])
s3 = boto3.client("s3")
bucket = args["bucket"]
spark = SparkSession.builder.getOrCreate()
# The dialect map relies on these: UTC session, casts that return NULL on bad input.
spark.conf.set("spark.sql.session.timeZone", "UTC")
spark.conf.set("spark.sql.ansi.enabled", "false")
spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
# Partition values stay strings (`date=2024-01-02` is not turned into a DATE).
spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")


def get_text(key):
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def list_keys(prefix, delimiter=None):
    kwargs = {"Bucket": bucket, "Prefix": prefix, **({"Delimiter": delimiter} if delimiter else {})}
    for page in s3.get_paginator("list_objects_v2").paginate(**kwargs):
        yield from (p["Prefix"] for p in page.get("CommonPrefixes", []))
        if not delimiter:
            yield from (o["Key"] for o in page.get("Contents", []))


# ---- SQL files and the dialect map -------------------------------------------------------

sql_prefix = args["sql_prefix"]
dialect = json.loads(get_text(f"{sql_prefix}etl/dialect.json"))


def render(sql):
    return re.sub(r"\{\{([a-z_]+)\}\}", lambda m: dialect["functions"][m.group(1)]["spark"], sql)


steps = sorted(k for k in list_keys(f"{sql_prefix}etl/") if re.search(r"/\d\d_[a-z0-9_]+\.sql$", k))
rules = sorted(k for k in list_keys(f"{sql_prefix}quality/") if k.endswith(".sql"))

# ---- staging: raw objects -> staged_records (mirrors packages/etl/src/stage-*.ts) ----------


def clean(v):
    if v is None:
        return None
    t = (v if isinstance(v, str) else json.dumps(v) if isinstance(v, (dict, list)) else str(v)).strip()
    return t or None


def bad(line, raw, code="unparseable_line"):
    return {"line_number": line, "raw_record": raw, "stage_error": code}


def stage_ndjson(text):
    for i, line in enumerate(text.split("\n"), start=1):
        raw = line.rstrip("\r")
        if not raw.strip():
            continue
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            yield bad(i, raw)
            continue
        unknown = [k for k in doc if k not in CANONICAL]
        yield {"line_number": i, "raw_record": raw, "unknown_keys": ",".join(unknown) or None,
               **{f: clean(doc.get(f)) for f in CANONICAL}}


def stage_csv(text):
    lines = text.split("\n")
    rows = [(i + 1, l.rstrip("\r")) for i, l in enumerate(lines) if l.strip()]
    if not rows:
        return
    alias = {"timestamp": "ts", "datetime": "ts"}
    header = [alias.get(h.strip().lower(), h.strip().lower()) for h in next(csv.reader([rows[0][1]]))]
    unknown = ",".join(h for h in header if h not in CANONICAL) or None
    for line_number, raw in rows[1:]:
        cells = next(csv.reader([raw]), [])
        if len(cells) != len(header):
            yield bad(line_number, raw)
            continue
        yield {"line_number": line_number, "raw_record": raw, "unknown_keys": unknown,
               **{h: clean(c) for h, c in zip(header, cells) if h in CANONICAL}}


def stage_twelvedata(doc):
    series = [(None, doc)] if any(k in doc for k in ("values", "meta", "status")) else list(doc.items())
    line = 0
    for requested, s in series:
        if not (isinstance(s, dict) and isinstance(s.get("meta"), dict) and isinstance(s.get("values"), list)):
            line += 1
            yield bad(line, json.dumps(s))
            continue
        meta = s["meta"]
        symbol = requested or clean(meta.get("symbol"))
        interval = clean(meta.get("interval"))
        intraday = bool(interval and re.fullmatch(r"\d+(min|h)", interval))
        tz = (clean(meta.get("timezone")) or clean(meta.get("exchange_timezone")) or "UTC") if intraday else None
        pair = (symbol or "").split(":")[0].split("/")
        for v in s["values"]:
            line += 1
            if not isinstance(v, dict):
                yield bad(line, json.dumps(v))
                continue
            dt = clean(v.get("datetime"))
            yield {"line_number": line, "raw_record": json.dumps(v, separators=(",", ":")), "symbol": symbol,
                   "exchange": clean(meta.get("exchange")) or "", "mic_code": clean(meta.get("mic_code")),
                   "currency": clean(meta.get("currency")) or (pair[1] if len(pair) == 2 and pair[1] else None),
                   "instrument_type": clean(meta.get("type")), "interval": interval,
                   "ts": dt[:10] if dt and not intraday else dt, "tz": tz, "source": "twelvedata",
                   **{f: clean(v.get(f)) for f in ("open", "high", "low", "close", "volume")}}


def stage_object(key, body):
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError) as e:
            return [bad(1, f"unreadable gzip: {e}", "unreadable_object")]
    text = body.decode("utf-8", errors="replace").lstrip("\ufeff")
    name = key.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return list(stage_csv(text))
    if name.endswith(".json"):
        try:
            doc = json.loads(text)
            if isinstance(doc, dict):
                return list(stage_twelvedata(doc))
        except ValueError:
            pass
    return list(stage_ndjson(text))


manifest = json.loads(get_text(args["manifest_key"]))
objects = {o["key"]: o for o in sorted(manifest["objects"], key=lambda o: o["lastModified"])}
staged = []
for key in sorted(objects):
    modified = datetime.fromisoformat(objects[key]["lastModified"].replace("Z", "+00:00")).astimezone(timezone.utc)
    extra = {"raw_object": key, "object_date": modified.strftime("%Y-%m-%d"),
             "object_ingested_at": modified.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    staged += [{**r, **extra} for r in stage_object(key, get_text(key))]
schema = StructType([StructField(c, LongType() if c == "line_number" else StringType()) for c in STAGED])
spark.createDataFrame([tuple(r.get(c) for c in STAGED) for r in staged], schema).createOrReplaceTempView("staged_records")
job_run_id = args["JOB_RUN_ID"]
started_at = datetime.now(timezone.utc)
min_ts = datetime.fromisoformat(args.get("MIN_DATE", "1800-01-01"))  # the date floor, as in job.ts
spark.createDataFrame([(job_run_id, started_at.replace(tzinfo=None), min_ts)],
                      "job_run_id string, now_ts timestamp, min_ts timestamp")\
    .createOrReplaceTempView("run_params")

# ---- existing partitions the steps need (same choice as packages/etl/src/job.ts) ---------


def esc(v):
    return "".join(f"%{ord(c):02X}" if c in "\"#%'*/:=?\\{[]^" or ord(c) < 0x20 or ord(c) == 0x7F else c for c in v)


def unesc(v):
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), v)


def children(prefix, key):
    return sorted(unesc(p[len(prefix):-1].split("=", 1)[1]) for p in list_keys(prefix, "/")
                  if p[len(prefix):].startswith(f"{key}="))


def next_existing(existing, touched):
    """For each touched value, the nearest existing one after it (its first row may change)."""
    out = set()
    for t in touched:
        after = [e for e in existing if e > t and e not in touched]
        if after:
            out.add(after[0])
    return out


def prev_existing(existing, rewritten):
    """For each rewritten value, the nearest existing one before it: read-only context."""
    out = set()
    for r in rewritten:
        before = [e for e in existing if e < r]
        if before and before[-1] not in rewritten:
            out.add(before[-1])
    return out


def load(view, empty_sql, location, paths_with_flags):
    """Existing rows of some partitions; partition columns (decoded) come from the paths."""
    df = spark.sql(empty_sql)
    for paths, is_context in paths_with_flags:
        if paths:
            part = (spark.read.option("basePath", f"s3://{bucket}/{location}")
                    .parquet(*[f"s3://{bucket}/{p}" for p in paths]))
            if is_context is not None:
                part = part.withColumn("is_context", F.lit(is_context))
            df = df.unionByName(part, allowMissingColumns=True)
    df.createOrReplaceTempView(view)


def load_existing_bars():
    touched = spark.sql("SELECT DISTINCT symbol, date FROM valid_bars").collect()
    by_symbol = {}
    for r in touched:
        by_symbol.setdefault(r.symbol, set()).add(r.date)
    dates = children("processed/bars/", "date")
    existing = {}
    for d in dates:
        for s in children(f"processed/bars/date={esc(d)}/", "symbol"):
            existing.setdefault(s, []).append(d)
    rewrite, context = [], []
    for symbol, ds in by_symbol.items():
        have = sorted(existing.get(symbol, []))
        rewritten = ds | next_existing(have, ds)
        path = lambda d: f"processed/bars/date={esc(d)}/symbol={esc(symbol)}/"
        rewrite += [path(d) for d in rewritten if d in have]
        context += [path(d) for d in prev_existing(have, rewritten)]
    load("existing_bars",
         "SELECT symbol, exchange, mic_code, currency, instrument_type, interval, ts, open, high, low, close,"
         " volume, source, ingested_at, raw_object, date, is_context FROM valid_bars WHERE false",
         "processed/bars/", [(rewrite, 0), (context, 1)])


def load_existing_hourly():
    dates = [r.date for r in spark.sql("SELECT DISTINCT date FROM bars_out WHERE is_context = 0").collect()]
    have = set(children("processed/bars_hourly/", "date"))
    load("existing_hourly", "SELECT * FROM hourly_fresh WHERE false", "processed/bars_hourly/",
         [([f"processed/bars_hourly/date={d}/" for d in dates if d in have], None)])


def load_existing_daily():
    months = {r.month for r in spark.sql(
        "SELECT DISTINCT substr(CAST(trade_date AS STRING), 1, 7) AS month FROM daily_fresh").collect()}
    have = children("processed/bars_daily/", "month")
    rewritten = months | next_existing(have, months)
    path = lambda m: f"processed/bars_daily/month={m}/"
    load("existing_daily",
         "SELECT *, CAST(NULL AS DOUBLE) AS daily_return, CAST(NULL AS DOUBLE) AS log_return, 0 AS is_context"
         " FROM daily_fresh WHERE false", "processed/bars_daily/",
         [([path(m) for m in rewritten if m in have], 0), ([path(m) for m in prev_existing(have, rewritten)], 1)])


def load_existing_quarantine():
    dates = [r.date for r in spark.sql("SELECT DISTINCT date FROM quarantine_new").collect()]
    have = set(children("quarantine/", "date"))
    load("existing_quarantine", "SELECT * FROM quarantine_new WHERE false", "quarantine/",
         [([f"quarantine/date={d}/" for d in dates if d in have], None)])


loaders = {"dedupe_bars": load_existing_bars, "hourly_out": load_existing_hourly,
           "daily_out": load_existing_daily, "quarantine_out": load_existing_quarantine}

# ---- the shared steps ---------------------------------------------------------------------

for key in steps:
    relation = key.rsplit("/", 1)[1][3:-4]
    if relation in loaders:
        loaders[relation]()
    sql = get_text(key).decode("utf-8")
    df = spark.sql(render(sql))
    if "-- materialize: table" in sql:
        df = df.cache()
    df.createOrReplaceTempView(relation)

data_quality = []
for key in rules:
    sql = get_text(key).decode("utf-8")
    failed = spark.sql(render(sql)).collect()[0]["failed_rows"]
    desc = re.search(r"^-- description: (.*)$", sql, re.M)
    data_quality.append({"rule": key.rsplit("/", 1)[1][:-4], "description": desc.group(1) if desc else key,
                         "passed": failed == 0, "failedRows": int(failed)})

counts = spark.sql("SELECT * FROM run_counts").collect()[0]
written = []
for table, (location, keys, where, relation) in OUTPUTS.items():
    df = spark.table(relation).where(where)
    cols = [c for c in df.columns if c not in ("is_context",)]
    for r in df.groupBy(*keys).count().collect():
        values = {k: r[k] for k in keys}
        rel = "/".join(f"{k}={esc(values[k])}" for k in keys)
        written.append({"table": table, "values": values, "location": f"{location}{rel}/", "rows": r["count"]})
    df.select(*cols).write.mode("overwrite").partitionBy(*keys).parquet(f"s3://{bucket}/{location}")

summary = {
    "jobRunId": job_run_id, "jobName": args["JOB_NAME"], "manifestId": manifest["manifestId"],
    "correlationId": manifest["correlationId"], "startedAt": started_at.isoformat().replace("+00:00", "Z"),
    "finishedAt": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"), "objects": len(objects),
    "rowsIn": counts["rows_in"], "rowsKept": counts["rows_kept"], "rowsQuarantined": counts["rows_quarantined"],
    "duplicates": counts["duplicates"], "partitionsWritten": written, "dataQuality": data_quality,
}
assert summary["rowsIn"] == summary["rowsKept"] + summary["rowsQuarantined"] + summary["duplicates"]
s3.put_object(Bucket=bucket, Key=f"_runs/{job_run_id}/summary.json", Body=json.dumps(summary, indent=2).encode())
