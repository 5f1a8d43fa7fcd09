"""A long-lived Spark driver that runs Glue job runs one after another on ONE SparkSession
(Spark takes seconds to start). Used by the parity suite and by the local runtime when
OHLCV_ETL_ENGINE=spark. It runs the job exactly as Glue would: the script and the
--extra-py-files named in the request (infra's uploads), with the request's arguments;
OHLCV_ETL_S3_ROOT maps s3://<bucket>/ to a folder.

Protocol: one JSON request per stdin line {id, script, pyFiles, argv, s3Root, now?};
one reply per line on stdout, prefixed `@@ `: {id, ok, summary | error}. Spark logs go to stderr.
"""

import importlib.util
import json
import os
import sys
import traceback
from contextlib import contextmanager
from datetime import datetime


def session():
    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    # Read when pyspark launches the JVM (spark-submit --conf), so it takes effect here.
    if os.environ.get("OHLCV_SPARK_JAVA_OPTIONS"):
        builder = builder.config("spark.driver.extraJavaOptions", os.environ["OHLCV_SPARK_JAVA_OPTIONS"])
    return (builder.appName("ohlcv-etl-local")
            .master(os.environ.get("SPARK_MASTER", "local[*]"))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.default.parallelism", os.environ.get("OHLCV_SPARK_PARALLELISM", "2"))
            .config("spark.sql.shuffle.partitions", os.environ.get("OHLCV_SPARK_SHUFFLE_PARTITIONS", "8"))
            .config("spark.driver.memory", os.environ.get("OHLCV_SPARK_DRIVER_MEMORY", "1g"))
            # This driver runs job after job on one session, and one run compiles ~300
            # generated classes: Spark's default cache (100) holds less than a run, so every
            # run compiled them all again (compiles per run 318, 474, 315 with 100; 308, 151,
            # 2 with 2000; Janino was 28% of the JVM's execution samples). A Glue run is one JVM
            # and one run, so the Glue job keeps the default.
            .config("spark.sql.codegen.cache.maxEntries", "2000")
            .getOrCreate())


def load_job(script, py_files):
    for d in [os.path.dirname(p) for p in [script, *py_files]]:
        if d not in sys.path:
            sys.path.insert(0, d)
    spec = importlib.util.spec_from_file_location("etl_job", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@contextmanager
def injected(faults):
    """Test knob: {"failAfterPublishes": n} makes the run fail right after its n-th partition
    version is published, before its summary (a run that dies mid-publish)."""
    if not faults:
        yield
        return
    import etl_versions

    real = etl_versions.publish_version
    count = [0]

    def publish_then_fail(*a, **kw):
        location = real(*a, **kw)
        count[0] += 1
        if count[0] == faults["failAfterPublishes"]:
            raise RuntimeError(f"injected failure after {count[0]} published partitions")
        return location

    etl_versions.publish_version = publish_then_fail
    try:
        yield
    finally:
        etl_versions.publish_version = real


def reply(msg):
    sys.stdout.write("@@ " + json.dumps(msg) + "\n")
    sys.stdout.flush()


def main():
    spark = session()
    spark.sparkContext.setLogLevel(os.environ.get("OHLCV_SPARK_LOG_LEVEL", "ERROR"))
    reply({"id": 0, "ok": True, "ready": True, "sparkVersion": spark.version})
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            os.environ["OHLCV_ETL_S3_ROOT"] = req["s3Root"]
            job = load_job(req["script"], req.get("pyFiles", []))
            now = datetime.fromisoformat(req["now"].replace("Z", "+00:00")) if req.get("now") else None
            with injected(req.get("faults")):
                summary = job.main(req["argv"], spark=spark, now=now)
            reply({"id": req["id"], "ok": True, "summary": summary})
        except BaseException as e:  # noqa: BLE001 - every failure is the run's, the driver lives on
            traceback.print_exc(file=sys.stderr)
            reply({"id": req["id"], "ok": False, "error": f"{type(e).__name__}: {e}"})
            if isinstance(e, KeyboardInterrupt):
                break
    spark.stop()


if __name__ == "__main__":
    main()
