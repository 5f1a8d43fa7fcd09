"""The first look at every raw object on the PySpark runner, before staging parses it: a
streaming pass with bounded memory whatever the object holds (a gzip bomb, a 200 MB line).
Twin of packages/etl/src/stage-screen.ts; the limits, the cause texts and the rule come from
the plan (sql/etl/plan.json staging.screen), and test/screen-twins.test.ts runs both on the
same fixtures. It decides
- `unreadable_object` with the cause: a complete line that is not UTF-8, more bytes than the
  cap once decompressed (a bomb is never inflated past it), a broken gzip stream; the first
  of these in byte order, so the outcome does not depend on how the bytes come in chunks;
- `line_too_long` for each line of a line format (CSV, NDJSON) longer than the limit, keeping
  a prefix of its text; the line is blanked in the copy staging reads, so the object's other
  lines go on and keep their numbers.
The clean copy (decompressed, long lines blanked) is written to a local file; the raw object
itself is never modified. Memory: one chunk plus at most the line limit. Pure Python.
"""

import re
import zlib

GZIP_MAGIC = b"\x1f\x8b"
CHUNK_BYTES = 1024 * 1024


class Unreadable(Exception):
    pass


class ScreenLimits:
    """maxLineBytes, maxObjectBytes (positive whole numbers of bytes) and minDate (YYYY-MM-DD)."""

    def __init__(self, max_line_bytes, max_object_bytes, min_date):
        self.max_line_bytes = max_line_bytes
        self.max_object_bytes = max_object_bytes
        self.min_date = min_date


def limits_from_args(args, screen):
    """The job arguments --MAX_LINE_BYTES, --MAX_OBJECT_BYTES, --MIN_DATE, else the plan's defaults."""
    defaults = screen["defaults"]

    def whole(name, fallback):
        raw = args.get(name)
        if raw is None or raw == "":
            return fallback
        if not re.fullmatch(r"[0-9]+", raw) or int(raw) <= 0:
            raise ValueError(f"--{name} must be a positive whole number of bytes, got {raw}")
        return int(raw)

    min_date = args.get("MIN_DATE") or defaults["minDate"]
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", min_date):
        raise ValueError(f"--MIN_DATE must be a date YYYY-MM-DD, got {min_date}")
    return ScreenLimits(whole("MAX_LINE_BYTES", defaults["maxLineBytes"]),
                        whole("MAX_OBJECT_BYTES", defaults["maxObjectBytes"]), min_date)


def is_line_format(key, screen):
    name = key.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return any(name.endswith(s) for s in screen["lineFormatSuffixes"])


def _cause(template, **values):
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), template)


def _valid_utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


class _Lines:
    """The line machine over the decompressed bytes, fed in chunks of any size."""

    def __init__(self, out, line_limit, prefix_bytes, causes):
        self.out = out
        self.limit = line_limit
        self.prefix = prefix_bytes
        self.causes = causes
        self.line = 1
        self.carry = bytearray()
        self.over = None  # the prefix of the line in progress once it passed the limit
        self.too_long = []  # (line number, prefix bytes)

    def feed(self, data):
        first = data.find(b"\n")
        if first < 0:
            self._extend(data)
            return
        self._extend(data[:first])
        self._end_line(True)
        last = data.rfind(b"\n")
        if last > first:
            self._complete(data[first + 1:last + 1])
        self._extend(data[last + 1:])

    def finish(self):
        if self.carry or self.over is not None:
            self._end_line(False)

    def _complete(self, block):
        """Whole lines, each ending in a newline: checked and written at once when all are fine."""
        lines = block.split(b"\n")[:-1]
        if max(map(len, lines)) <= self.limit and _valid_utf8(block):
            self.out.write(block)
            self.line += len(lines)
            return
        for line in lines:
            self._extend(line)
            self._end_line(True)

    def _extend(self, piece):
        if self.over is not None:
            return
        if len(self.carry) + len(piece) > self.limit:
            self.over = (bytes(self.carry) + piece[:self.prefix])[:self.prefix]
            self.carry = bytearray()
        else:
            self.carry += piece

    def _end_line(self, newline):
        if self.over is not None:
            self.too_long.append((self.line, self.over))
        else:
            if not _valid_utf8(self.carry):
                raise Unreadable(_cause(self.causes["notUtf8"], line=self.line))
            self.out.write(self.carry)
        if newline:
            self.out.write(b"\n")
        self.carry = bytearray()
        self.over = None
        self.line += 1


def _decompressed(read, head, chunk_bytes):
    """The gzip stream's bytes, at most chunk_bytes per piece (a bomb is inflated only as far
    as it is read); members one after another as Node's gunzip reads them, bytes after a
    member that start no new member ignored."""
    d = zlib.decompressobj(wbits=31)
    pending = head
    full = False  # the last call filled its output: zlib may hold more without new input
    while True:
        if not pending and not full:
            pending = read(chunk_bytes)
            if not pending:
                if d.eof:
                    return
                raise zlib.error("unexpected end of file")
        if d.eof:
            while len(pending) < 2:
                more = read(chunk_bytes)
                if not more:
                    break
                pending += more
            if pending[:2] != GZIP_MAGIC:
                while read(chunk_bytes):
                    pass
                return
            d = zlib.decompressobj(wbits=31)
        piece = d.decompress(pending, chunk_bytes)
        full = not d.eof and len(piece) == chunk_bytes
        pending = d.unused_data if d.eof else d.unconsumed_tail
        if piece:
            yield piece


def _plain(read, head, chunk_bytes):
    if head:
        yield head
    while True:
        b = read(chunk_bytes)
        if not b:
            return
        yield b


def screen_object(read, key, out, limits, contract, chunk_bytes=CHUNK_BYTES):
    """Screens one raw object. `read(n)` reads its next bytes (b"" at the end); the clean copy
    goes to the binary file `out`. Returns {"kind": "unreadable", "cause"} or
    {"kind": "readable", "gzip", "tooLong": [staged records]}."""
    screen = contract["screen"]
    causes = screen["causes"]
    head = b""
    while len(head) < 2:
        b = read(chunk_bytes)
        if not b:
            break
        head += b
    gzip = head[:2] == GZIP_MAGIC
    lines = is_line_format(key, screen)
    # A JSON document (Twelve Data's /time_series) is parsed whole, so it is capped whole.
    line_limit = limits.max_line_bytes if lines else float("inf")
    cap = limits.max_object_bytes if lines else min(limits.max_object_bytes, screen["maxJsonDocumentBytes"])
    machine = _Lines(out, line_limit, screen["linePrefixBytes"], causes)
    source = _decompressed(read, head, chunk_bytes) if gzip else _plain(read, head, chunk_bytes)
    total = 0
    try:
        for data in source:
            allowed = min(len(data), cap - total)
            total += len(data)
            machine.feed(data[:allowed])
            if allowed < len(data):
                raise Unreadable(_cause(causes["tooLargeDecompressed" if gzip else "tooLarge"], bytes=cap))
        machine.finish()
    except Unreadable as e:
        return {"kind": "unreadable", "cause": str(e)}
    except (zlib.error, EOFError):
        return {"kind": "unreadable", "cause": contract["unreadableGzip"]}
    too_long = [{"line_number": n, "raw_record": p.decode("utf-8", errors="replace").rstrip("\ufffd"),
                 "stage_error": contract["errors"]["lineTooLong"], "unknown_keys": None, "duplicate_keys": None}
                for n, p in machine.too_long]
    return {"kind": "readable", "gzip": gzip, "tooLong": too_long}


def _test_entry(req):
    """{"contract", "cases": [{key, path, out, maxLineBytes, maxObjectBytes, chunkBytes}], "s3"?}:
    with s3, each object is read through the Glue job's S3Storage.open from a moto bucket."""
    from contextlib import closing

    def screen_all(open_case):
        results = []
        for c in req["cases"]:
            lim = ScreenLimits(c["maxLineBytes"], c["maxObjectBytes"], "1800-01-01")
            with closing(open_case(c)) as src, open(c["out"], "wb") as dst:
                results.append(screen_object(src.read, c["key"], dst, lim, req["contract"],
                                             c.get("chunkBytes", CHUNK_BYTES)))
        return results

    if not req.get("s3"):
        return screen_all(lambda c: open(c["path"], "rb"))
    import boto3
    from moto import mock_aws

    from etl_job import S3Storage

    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="lake")
        for c in req["cases"]:
            s3.upload_file(c["path"], "lake", c["key"])
        storage = S3Storage("lake")
        return screen_all(lambda c: storage.open(c["key"]))


if __name__ == "__main__":
    # Test entry (screen-twins.test.ts): the request on stdin -> one result per case on stdout.
    import json
    import os
    import sys

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    json.dump(_test_entry(json.load(sys.stdin)), sys.stdout)
