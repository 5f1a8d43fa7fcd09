"""Atomic publish on the PySpark runner (docs/atomic-publish.md): a run never writes over what
readers read. Each partition a run writes becomes a new, immutable version folder under the
partition's Hive path,

    processed/bars/date=2024-03-08/symbol=AAPL/_v0000000007-jr_<id>/part-....parquet

and nothing points at it until the run commits by writing its run summary (listing every
version it wrote in partitionsWritten[].location). The runner reads, per partition, the newest
version a committed summary lists, else files lying directly in the partition folder (an
earlier release's layout); versions no summary lists are rolled back when a run next publishes
into that partition. Twin of packages/etl/src/partition-versions.ts: the same rules on the same
fixtures (test/partition-versions-twins.test.ts), so one lake can be run by either engine in
turn. Pure Python over the runner's storage (a local folder or S3): no Spark.
"""

import json
import os

VERSION_PREFIX = "_v"


def next_version(newest, job_run_id):
    """One after the newest committed version; zero-padded so "newest" is a string comparison."""
    seq = 1 if newest is None else int(newest[:newest.index("-")]) + 1
    return f"{seq:010d}-{job_run_id}"


def run_id_of(version):
    return version[version.index("-") + 1:]


def summary_key(job_run_id):
    return f"_runs/{job_run_id}/summary.json"


class CommittedVersions:
    """What the run summaries list, per run id, read once per reader."""

    def __init__(self, storage):
        self.storage = storage
        self.by_run = {}

    def is_committed(self, location, version):
        """True when `location` (lake-relative, ending in `/`) is listed by its run's summary."""
        run_id = run_id_of(version)
        listed = self.by_run.get(run_id)
        if listed is None:
            listed = set()
            body = self.storage.read_if_exists(summary_key(run_id))
            if body is not None:
                summary = json.loads(body)
                listed = {p["location"] for p in summary.get("partitionsWritten") or []}
            self.by_run[run_id] = listed
        return location in listed


def versions_in(storage, partition_prefix):
    """The version names (without `_v`) under a partition folder, oldest first."""
    return sorted(d[len(VERSION_PREFIX):] for d in storage.list_dirs(partition_prefix) if d.startswith(VERSION_PREFIX))


def parquet_in(storage, prefix):
    """Keys of the Parquet files directly under `prefix` (the store lists keys recursively)."""
    return [k for k in storage.list_files(prefix) if "/" not in k[len(prefix):] and k.endswith(".parquet")]


def current_files(committed, storage, partition_prefix):
    """Keys of the Parquet files of a partition's current version: the newest committed `_v`
    folder, else files directly in the folder (an earlier release's layout), else none."""
    for v in reversed(versions_in(storage, partition_prefix)):
        folder = f"{partition_prefix}{VERSION_PREFIX}{v}/"
        if committed.is_committed(folder, v):
            return parquet_in(storage, folder)
    return parquet_in(storage, partition_prefix)


def publish_version(committed, storage, staging_prefix, partition_prefix, job_run_id):
    """Moves a run's freshly written partition folder in as a new version and returns its
    lake-relative location. Versions no committed summary lists are removed first: the roll-back
    of a run that died before its commit (one engine runs jobs at a time, so none of them is
    being written now)."""
    newest = None
    for v in versions_in(storage, partition_prefix):
        if committed.is_committed(f"{partition_prefix}{VERSION_PREFIX}{v}/", v):
            newest = v
        else:
            storage.delete_prefix(f"{partition_prefix}{VERSION_PREFIX}{v}/")
    location = f"{partition_prefix}{VERSION_PREFIX}{next_version(newest, job_run_id)}/"
    storage.move_prefix(staging_prefix, location)
    return location


def _test_entry(req):
    """{"root", "current", "publish", "s3"?}: with s3, the folder is uploaded to a moto bucket,
    the rules run on S3Storage, and the bucket is downloaded back over the folder."""
    from etl_job import FolderStorage, S3Storage

    def decide(storage):
        committed = CommittedVersions(storage)
        out = {"current": [current_files(committed, storage, p) for p in req.get("current", [])], "published": []}
        for p in req.get("publish", []):
            out["published"].append(publish_version(committed, storage, p["staging"], p["partition"], p["jobRunId"]))
        return out

    if not req.get("s3"):
        return decide(FolderStorage("lake", req["root"]))
    import shutil

    import boto3
    from moto import mock_aws

    root = req["root"]
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="lake")
        for d, _, files in os.walk(root):
            for f in files:
                path = os.path.join(d, f)
                s3.upload_file(path, "lake", os.path.relpath(path, root))
        out = decide(S3Storage("lake"))
        shutil.rmtree(root)
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket="lake"):
            for o in page.get("Contents", []):
                path = os.path.join(root, o["Key"])
                os.makedirs(os.path.dirname(path), exist_ok=True)
                s3.download_file("lake", o["Key"], path)
    return out


if __name__ == "__main__":
    # Test entry (partition-versions-twins.test.ts): the request on stdin ->
    # {"current": [[keys]], "published": [locations]} on stdout.
    import os
    import sys

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    json.dump(_test_entry(json.load(sys.stdin)), sys.stdout)
