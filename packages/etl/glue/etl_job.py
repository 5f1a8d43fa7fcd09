"""Glue ETL job entry: the Glue-only parts (job arguments, the S3 store, the Spark session)
behind one small seam, then the shared plan's PySpark runner (etl_runner.py).

Arguments (infra/glue.ts DefaultArguments, --manifest_key per run from etl-trigger):
--JOB_NAME, --JOB_RUN_ID (set by Glue), --manifest_key (`_manifests/<id>.json`), --bucket
(the lake bucket), --sql_prefix (`s3://<bucket>/glue-assets/sql/`, the root of the uploaded
sql tree: the job reads `<sql_prefix>etl/...` and `<sql_prefix>quality/...`).

Off Glue (tests, the local runtime's OHLCV_ETL_ENGINE=spark), OHLCV_ETL_S3_ROOT names a
folder that stands for `s3://<bucket>/`: the same argument values then resolve to files.
SPARK_MASTER (default local[*]) picks the Spark to run on there.
"""

import os
import shutil
import sys

REQUIRED = ["JOB_NAME", "JOB_RUN_ID", "manifest_key", "bucket", "sql_prefix"]
# Optional: --MIN_DATE (YYYY-MM-DD), the date floor of 02_validated_records (run_params.min_ts),
# as OHLCV_MIN_DATE is for the DuckDB runner; default 1800-01-01.
OPTIONAL = ["MIN_DATE", "MAX_LINE_BYTES", "MAX_OBJECT_BYTES", "reprocess_scope"]
# --MAX_LINE_BYTES, --MAX_OBJECT_BYTES: the stage screen's limits (etl_screen.py), as
# OHLCV_MAX_LINE_BYTES / OHLCV_MAX_OBJECT_BYTES are for the DuckDB runner; defaults in
# sql/etl/plan.json staging.screen.defaults.
# --reprocess_scope (JSON {from, to, symbols}; infra declares it empty): set by
# `ohlcv reprocess --stage`, the run rebuilds that range from raw (etl_reprocess.py).


# ---- the seam ---------------------------------------------------------------------------


def resolve_args(argv, names=REQUIRED):
    """awsglue's getResolvedOptions on Glue; elsewhere the same `--name value` rule."""
    try:
        from awsglue.utils import getResolvedOptions  # type: ignore[import-not-found]
    except ImportError:
        getResolvedOptions = None
    if getResolvedOptions is not None:
        present = [n for n in OPTIONAL if f"--{n}" in argv]
        return getResolvedOptions(argv, names + present)
    args = {}
    i = 1
    while i < len(argv):
        a = argv[i]
        if a.startswith("--"):
            key, eq, value = a[2:].partition("=")
            if not eq and i + 1 < len(argv) and not argv[i + 1].startswith("--"):
                value = argv[i + 1]
                i += 1
            args[key] = value
        i += 1
    missing = [n for n in names if n not in args]
    if missing:
        raise SystemExit(f"missing job arguments: {', '.join('--' + n for n in missing)}")
    return {n: args[n] for n in names + [o for o in OPTIONAL if o in args]}


class S3Storage:
    def __init__(self, bucket):
        import boto3

        self.bucket = bucket
        self.s3 = boto3.client("s3")

    def url(self, key):
        return f"s3://{self.bucket}/{key}"

    def read(self, key):
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def open(self, key):
        """The object as a stream (read(n)): never the whole object in memory."""
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]

    def read_if_exists(self, key):
        try:
            return self.read(key)
        except self.s3.exceptions.NoSuchKey:
            return None

    def move_prefix(self, src, dst):
        """S3 has no rename: copies, then deletes. The target is a version folder nobody reads
        until the run's summary lists it, so the copy need not be atomic."""
        for k in self.list_files(src):
            self.s3.copy({"Bucket": self.bucket, "Key": k}, self.bucket, dst + k[len(src):])
        self.delete_prefix(src)

    def read_url(self, url):
        bucket, _, key = url.removeprefix("s3://").partition("/")
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    def write(self, key, body):
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)

    def list_dirs(self, prefix):
        out = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/"):
            out += [p["Prefix"][len(prefix):-1] for p in page.get("CommonPrefixes", [])]
        return out

    def list_files(self, prefix):
        out = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            out += [o["Key"] for o in page.get("Contents", [])]
        return sorted(out)

    def copy(self, src, dst):
        self.s3.copy_object(Bucket=self.bucket, Key=dst, CopySource={"Bucket": self.bucket, "Key": src})

    def delete_prefix(self, prefix):
        keys = self.list_files(prefix)
        for i in range(0, len(keys), 1000):
            out = self.s3.delete_objects(Bucket=self.bucket,
                                         Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]], "Quiet": True})
            if out.get("Errors"):
                raise RuntimeError(f"DeleteObjects under {prefix}: {out['Errors'][0]}")


class FolderStorage:
    """A local folder standing for s3://<bucket>/ (OHLCV_ETL_S3_ROOT)."""

    def __init__(self, bucket, root):
        self.bucket = bucket
        self.root = os.path.abspath(root)

    def _path(self, key):
        path = os.path.abspath(os.path.join(self.root, key))
        if path != self.root and not path.startswith(self.root + os.sep):
            raise ValueError(f"key outside the store: {key}")
        return path

    def _write_path(self, key):
        """A path to write or remove: its real path (symlinks resolved) must be inside the store."""
        path = self._path(key)
        real, root = os.path.realpath(path), os.path.realpath(self.root)
        if real != root and not real.startswith(root + os.sep):
            raise ValueError(f"key resolves outside the store: {key}")
        return path

    def open(self, key):
        return open(self._path(key), "rb")

    def read_if_exists(self, key):
        try:
            return self.read(key)
        except FileNotFoundError:
            return None

    def move_prefix(self, src, dst):
        """One rename of the folder (same filesystem: the scratch prefix is in the store)."""
        target = self._write_path(dst)
        os.makedirs(os.path.dirname(target.rstrip(os.sep)), exist_ok=True)
        os.rename(self._write_path(src), target)

    def url(self, key):
        return "file://" + self._path(key) + ("/" if key.endswith("/") else "")

    def read(self, key):
        with open(self._path(key), "rb") as f:
            return f.read()

    def read_url(self, url):
        prefix = f"s3://{self.bucket}/"
        if url.startswith(prefix):
            return self.read(url[len(prefix):])
        if url.startswith("s3://"):
            raise ValueError(f"only s3://{self.bucket}/ is mapped to {self.root}")
        with open(url.removeprefix("file://"), "rb") as f:
            return f.read()

    def write(self, key, body):
        path = self._write_path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".tmp", "wb") as f:
            f.write(body)
        os.replace(path + ".tmp", path)

    def list_dirs(self, prefix):
        try:
            return sorted(e.name for e in os.scandir(self._path(prefix)) if e.is_dir())
        except FileNotFoundError:
            return []

    def list_files(self, prefix):
        base = self._path(prefix)
        if os.path.isfile(base):
            return [prefix]
        out = []
        for dirpath, _dirs, files in os.walk(base):
            for f in files:
                out.append(os.path.relpath(os.path.join(dirpath, f), self.root).replace(os.sep, "/"))
        return sorted(out)

    def copy(self, src, dst):
        path = self._write_path(dst)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        shutil.copyfile(self._path(src), path)

    def delete_prefix(self, prefix):
        path = self._write_path(prefix)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)


def storage_for(bucket):
    root = os.environ.get("OHLCV_ETL_S3_ROOT")
    return FolderStorage(bucket, root) if root else S3Storage(bucket)


def spark_session():
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("ohlcv-etl")
    if os.environ.get("OHLCV_ETL_S3_ROOT"):
        builder = builder.master(os.environ.get("SPARK_MASTER", "local[*]")) \
            .config("spark.ui.enabled", "false") \
            .config("spark.sql.shuffle.partitions", os.environ.get("OHLCV_SPARK_SHUFFLE_PARTITIONS", "8"))
    return builder.getOrCreate()


# ---- the job ----------------------------------------------------------------------------


def main(argv, spark=None, now=None):
    """One job run; `spark` and `now` let a long-lived driver (packages/etl/spark/driver.py) reuse its session."""
    import etl_runner

    args = resolve_args(argv)
    session, storage = spark or spark_session(), storage_for(args["bucket"])
    if args.get("reprocess_scope"):
        import etl_reprocess

        return etl_reprocess.run_reprocess(session, storage, args, now=now)
    return etl_runner.run_job(session, storage, args, now=now)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main(sys.argv)
