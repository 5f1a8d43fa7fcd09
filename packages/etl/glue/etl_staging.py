"""Staging for the PySpark runner: raw objects -> `staged_records` rows, every field as
text, by the staging contract in sql/etl/plan.json. This is the one piece of the ETL that
stays code. Its twins are the DuckDB runner's staging (packages/etl/src/stage-formats.ts
for CSV and Twelve Data JSON, the NDJSON SQL in stage-duckdb.ts); test/staging-twins.test.ts
runs both on the same fixtures and compares every staged row. Pure Python: no Spark, no AWS.

Where the DuckDB side's behaviour is DuckDB's (its JSON reader: first duplicate key wins,
numbers re-printed, NaN and trailing commas accepted) this module reproduces it, so both
engines quarantine exactly the same lines.
"""

import json
import math
import os
import re
import tempfile
from contextlib import closing
from datetime import datetime, timezone
from decimal import Decimal

from etl_screen import limits_from_args, screen_object

# RE2's \s, which the DuckDB runner's blank-line test uses for NDJSON.
_RE2_SPACE = " \t\n\f\r"
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# What a Twelve Data value carries; the rest of a bar comes from meta.
_VALUE_FIELDS = frozenset(("ts", "open", "high", "low", "close", "volume"))
# Bytes read from a clean copy at a time; a line is held whole (the screen caps it).
LINE_CHUNK_BYTES = 1024 * 1024
# Staged records are written out in NDJSON parts of about this many bytes (the driver's
# buffer), for Spark to read (etl_runner.py): never the whole batch in memory.
PART_BYTES = 32 * 1024 * 1024


class Staging:
    def __init__(self, contract):
        self.c = contract
        self.fields = contract["fields"]
        self.known = set(self.fields)
        self.ws = contract["whitespace"]
        self.intraday = re.compile(contract["intradayInterval"])
        self.line_error = contract["errors"]["line"]
        self.object_error = contract["errors"]["object"]
        self.aliases = contract["fieldAliases"]

    # ---- the contract's text rule -------------------------------------------------------

    def clean(self, v):
        """Trimmed of the contract's whitespace; empty -> None (cleanText in stage-formats.ts)."""
        if v is None:
            return None
        t = v.strip(self.ws)
        return t or None

    def _bad(self, line, raw, code=None):
        return {"line_number": line, "raw_record": raw, "stage_error": code or self.line_error,
                "unknown_keys": None, "duplicate_keys": None}

    # ---- field names, the same in every format (fieldOfKey, mapKeys) -------------------

    def field_of_key(self, key):
        """The canonical field a key names: trimmed, ASCII case ignored, aliased; else None."""
        name = self.clean(key) or ""
        if _NON_ASCII.search(name):
            return None
        lower = name.lower()
        field = self.aliases.get(lower, lower)
        return field if field in self.known else None

    def map_keys(self, keys, only=None):
        """(field per key, unknown_keys, duplicate_keys) by the staging contract."""
        fields = []
        for k in keys:
            f = self.field_of_key(k)
            fields.append(f if f is not None and (only is None or f in only) else None)
        count = {}
        for f in fields:
            if f is not None:
                count[f] = count.get(f, 0) + 1
        spell = lambda k: self.clean(k) or '""'  # noqa: E731
        unknown = [spell(k) for k, f in zip(keys, fields) if f is None]
        duplicate = [spell(k) for k, f in zip(keys, fields) if f is not None and count[f] > 1]
        return fields, ", ".join(unknown) or None, ", ".join(duplicate) or None

    def unreadable(self, cause):
        """The one quarantine row of an object the screen could not read (unreadableObject)."""
        return self._bad(1, cause, self.object_error)

    # ---- one object ----------------------------------------------------------------------

    def stage_clean_copy(self, key, read, chunk_bytes=LINE_CHUNK_BYTES):
        """The staged records (without the object columns) of one object's screened copy, as a
        generator. `read(n)` reads the copy's next bytes: decompressed, valid UTF-8, a line
        format's lines at most maxLineBytes long (etl_screen.py; so no gzip here). Line formats
        are read line by line (memory: one chunk and one line); a `.json` document, capped by
        the screen at maxJsonDocumentBytes, is parsed whole."""
        fmt = format_of_key(key)
        if fmt != "json":
            lines = decoded(split_lines(read, chunk_bytes))
            yield from (self.csv_records(lines) if fmt == "csv" else self.ndjson_records(lines))
            return
        chunks = []
        while True:
            b = read(chunk_bytes)
            if not b:
                break
            chunks.append(b)
        text = b"".join(chunks).decode("utf-8", errors="replace")
        del chunks
        doc = json_object(text)
        if doc is not None:
            del text  # the parsed document is all the records need
            yield from self.twelvedata_records(doc)
        else:
            yield from self.ndjson_records(text.split("\n"))

    # ---- NDJSON, as the DuckDB runner's SQL stages it ----------------------------------

    def stage_ndjson(self, text):
        return list(self.ndjson_records(text.split("\n")))

    def ndjson_records(self, lines):
        """Staged records of NDJSON lines (str, in order, the blank ones too: they count)."""
        for i, line in enumerate(lines, start=1):
            if i == 1 and line.startswith("\ufeff"):
                line = line[1:]
            raw = line[:-1] if line.endswith("\r") else line
            if raw.strip(_RE2_SPACE) == "":
                continue
            doc = duckdb_json_object(raw)
            if doc is None:
                yield {**self._bad(i, raw), **{f: None for f in self.fields}}
                continue
            pairs, values = doc
            keys = [k for k, _ in pairs]
            rec = {"line_number": i, "raw_record": raw, "stage_error": None,
                   "unknown_keys": None, "duplicate_keys": None}
            if keys == self.fields:
                by_field = values
            else:
                fields, rec["unknown_keys"], rec["duplicate_keys"] = self.map_keys(keys)
                # A field's value is its first key's (values: first-wins per spelling).
                by_field = {}
                for k, f in zip(keys, fields):
                    if f is not None and f not in by_field:
                        by_field[f] = values.get(k)
            for f in self.fields:
                rec[f] = self.clean(by_field.get(f))
            yield rec

    # ---- CSV (stageCsv) -----------------------------------------------------------------

    def stage_csv(self, text):
        return list(self.csv_records(text.split("\n")))

    def csv_records(self, lines):
        """Staged records of CSV lines (str, in order, the blank ones too: they count). The
        header is the first line that is not blank; a BOM is stripped from line 1 only."""
        header = None
        for i, line in enumerate(lines, start=1):
            if i == 1:
                line = strip_bom(line)
            raw = line[:-1] if line.endswith("\r") else line
            if self.clean(raw) is None:
                continue
            if header is None:
                header = split_csv_line(raw) or []
                fields, unknown_keys, duplicate_keys = self.map_keys(header)
                continue
            cells = split_csv_line(raw)
            if cells is None or len(cells) != len(header):
                yield self._bad(i, raw)
                continue
            rec = {"line_number": i, "raw_record": raw, "stage_error": None, "unknown_keys": unknown_keys,
                   "duplicate_keys": duplicate_keys}
            # A field given twice takes its first column (the record is quarantined anyway).
            for f, cell in zip(fields, cells):
                if f is not None and f not in rec:
                    rec[f] = self.clean(cell)
            yield rec

    # ---- Twelve Data /time_series JSON (stageTwelveData) -------------------------------

    def _str(self, v):
        return None if v is None else self.clean(js_string(v))

    def stage_twelvedata(self, text):
        try:
            doc = js_json_parse(strip_bom(text))
        except ValueError:
            return [self._bad(1, text)]
        if not isinstance(doc, dict):
            return [self._bad(1, text)]
        return list(self.twelvedata_records(doc))

    def twelvedata_records(self, doc):
        """Staged records of a parsed Twelve Data document (a dict), one by one."""
        series = [(None, doc)] if any(k in doc for k in ("values", "meta", "status")) else list(doc.items())
        line = 0
        for requested, s in series:
            if not (isinstance(s, dict) and isinstance(s.get("meta"), dict) and isinstance(s.get("values"), list)):
                line += 1
                yield self._bad(line, js_stringify(s))
                continue
            meta = s["meta"]
            symbol = requested if requested is not None else self._str(meta.get("symbol"))
            interval = self._str(meta.get("interval"))
            intraday = interval is not None and self.intraday.search(interval) is not None
            tz = (self._str(meta.get("timezone")) or self._str(meta.get("exchange_timezone")) or "UTC") if intraday else None
            for v in s["values"]:
                line += 1
                raw = js_stringify(v)
                if not isinstance(v, dict):
                    yield self._bad(line, raw)
                    continue
                # The value's keys read like any record's (datetime is an alias of ts), first one wins.
                keys = list(v.keys())
                fields, _, duplicate_keys = self.map_keys(keys, _VALUE_FIELDS)
                first = {}
                for k, f in zip(keys, fields):
                    if f is not None and f not in first:
                        first[f] = v[k]
                dt = self._str(first.get("ts"))
                rec = {"line_number": line, "raw_record": raw, "stage_error": None, "unknown_keys": None,
                       "duplicate_keys": duplicate_keys,
                       "symbol": symbol, "exchange": self._str(meta.get("exchange")) or "",
                       "mic_code": self._str(meta.get("mic_code")),
                       "currency": self._str(meta.get("currency")) or (quote_currency(symbol) if symbol else None),
                       "instrument_type": self._str(meta.get("type")), "interval": interval,
                       "ts": js_prefix(dt, 10) if dt is not None and not intraday else dt, "tz": tz,
                       "source": "twelvedata"}
                for f in ("open", "high", "low", "close", "volume"):
                    rec[f] = self._str(first.get(f))
                # A lone surrogate (a JSON escape such as "\ud800", in a value or in meta) is no
                # text: the record is unparseable, as in NDJSON and as stageTwelveData decides.
                yield self._bad(line, raw) if any(_is_lone_surrogate_text(x) for x in rec.values()) else rec


# ---- objects of a manifest --------------------------------------------------------------


def unique_objects(objects):
    """A key listed twice is read once (the latest lastModified, compared as text); key order."""
    by_key = {}
    for o in objects:
        prev = by_key.get(o["key"])
        if prev is None or prev["lastModified"] < o["lastModified"]:
            by_key[o["key"]] = o
    return [by_key[k] for k in sorted(by_key)]


def object_columns(o):
    """raw_object, object_date and object_ingested_at (JS toISOString of lastModified)."""
    modified = datetime.fromisoformat(o["lastModified"].replace("Z", "+00:00"))
    if modified.tzinfo is None:
        modified = modified.replace(tzinfo=timezone.utc)
    m = modified.astimezone(timezone.utc)
    return {"raw_object": o["key"], "object_date": m.strftime("%Y-%m-%d"),
            "object_ingested_at": m.strftime("%Y-%m-%dT%H:%M:%S.") + f"{m.microsecond // 1000:03d}Z"}


# ---- a batch of objects, staged into parts (the runner's staging) ----------------------


class StagedParts:
    """Staged records written as NDJSON parts under `prefix` in the store, each about
    `part_bytes` (the only buffer): the runner's Spark reads them as staged_records
    (spark.read.json), so no list of the batch's records is ever built in the driver. ASCII
    JSON: a lone surrogate (from a JSON escape) is written as its escape, not as invalid
    UTF-8. A null field is left out: Spark reads a missing field as NULL."""

    def __init__(self, storage, prefix, columns, part_bytes=PART_BYTES):
        self.storage = storage
        self.prefix = prefix
        self.columns = columns
        self.part_bytes = part_bytes
        self.buf = bytearray()
        self.keys = []
        self.records = 0

    def add(self, rec):
        line = json.dumps({c: rec[c] for c in self.columns if rec.get(c) is not None},
                          ensure_ascii=True, separators=(",", ":"))
        self.buf += line.encode("ascii")
        self.buf += b"\n"
        self.records += 1
        if len(self.buf) >= self.part_bytes:
            self._flush()

    def _flush(self):
        if self.buf:
            key = f"{self.prefix}part-{len(self.keys):05d}.ndjson"
            self.storage.write(key, bytes(self.buf))
            self.keys.append(key)
            self.buf = bytearray()

    def close(self):
        """The keys of the parts written (none when there was no record)."""
        self._flush()
        return self.keys


def stage_objects(storage, contract, objects, limits, prefix, part_bytes=PART_BYTES, chunk_bytes=LINE_CHUNK_BYTES):
    """Screens and stages every object of a manifest into NDJSON parts under `prefix`; returns
    the parts' keys and the number of records. Memory: the screen's chunk and line, one line
    of staging (a JSON document whole, capped by the screen), one part."""
    staging = Staging(contract)
    parts = StagedParts(storage, prefix, contract["columns"], part_bytes)
    with tempfile.TemporaryDirectory(prefix="ohlcv-screen-") as local:
        clean = os.path.join(local, "screened")
        for o in unique_objects(objects):
            meta = object_columns(o)
            # One bad object never stops the others: the screen streams the raw object
            # (bounded memory, whatever it holds) into a clean local copy, or says why not.
            with closing(storage.open(o["key"])) as src, open(clean, "wb") as dst:
                screened = screen_object(src.read, o["key"], dst, limits, contract)
            if screened["kind"] == "unreadable":
                parts.add({**staging.unreadable(screened["cause"]), **meta})
                continue
            for r in screened["tooLong"]:
                parts.add({**r, **meta})
            with open(clean, "rb") as f:
                for r in staging.stage_clean_copy(o["key"], f.read, chunk_bytes):
                    parts.add({**r, **meta})
    return parts.close(), parts.records


# ---- format helpers (twins of stage-formats.ts) -----------------------------------------


def strip_bom(text):
    return text[1:] if text.startswith("\ufeff") else text


def format_of_key(key):
    """csv, ndjson, or json (a Twelve Data document when it parses as a JSON object, else
    NDJSON): by the key, `.gz` ignored."""
    name = re.sub(r"\.gz$", "", key.lower())
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".json"):
        return "json"
    return "ndjson"


def json_object(text):
    """The document when the text is one JSON object (as JSON.parse reads it: a BOM is an
    error), else None."""
    try:
        doc = js_json_parse(text)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def detect_format(key, text):
    fmt = format_of_key(key)
    if fmt == "json":
        return "twelvedata-json" if json_object(text) is not None else "ndjson"
    return fmt


def split_lines(read, chunk_bytes=LINE_CHUNK_BYTES):
    """The lines of a binary stream (`read(n)`, b"" at the end) split on b"\\n" only, exactly as
    `body.split(b"\\n")` gives them (the piece after the last newline too, b"" when the stream
    ends with one). Memory: one chunk plus the line in progress."""
    carry = []
    while True:
        chunk = read(chunk_bytes)
        if not chunk:
            break
        parts = chunk.split(b"\n")
        if len(parts) == 1:
            carry.append(chunk)
            continue
        if carry:
            carry.append(parts[0])
            parts[0] = b"".join(carry)
        carry = [parts.pop()]
        yield from parts
    yield b"".join(carry)


def decoded(lines):
    """Each line decoded on its own: "\\n" is never part of a UTF-8 sequence, so this is the
    whole text's decoding, line by line (the screen has made them valid UTF-8)."""
    for b in lines:
        yield b.decode("utf-8", errors="replace")


def split_csv_line(line):
    """RFC 4180 fields of one line; None when a quote does not close (splitCsvLine)."""
    if '"' not in line:
        # Without a quote the loop below only splits at commas: the same, at C speed.
        return line.split(",")
    out, field, quoted, i = [], "", False, 0
    while i < len(line):
        ch = line[i]
        if quoted:
            if ch == '"' and line[i + 1:i + 2] == '"':
                field += '"'
                i += 2
                continue
            if ch == '"':
                quoted = False
            else:
                field += ch
        elif ch == '"' and field == "":
            quoted = True
        elif ch == ",":
            out.append(field)
            field = ""
        else:
            field += ch
        i += 1
    if quoted:
        return None
    out.append(field)
    return out


def quote_currency(symbol):
    pair = symbol.split(":")[0].split("/")
    return pair[1] if len(pair) == 2 and pair[1] else None


def _reject_constant(name):
    raise ValueError(f"not JSON: {name}")


def js_json_parse(text):
    """JSON.parse: NaN/Infinity are not JSON; the last duplicate key wins; leading BOM is an error."""
    if text.startswith("\ufeff"):
        raise ValueError("BOM")
    return json.loads(text, parse_constant=_reject_constant)


def js_number(x):
    """String(x) for a JS number."""
    f = float(x)
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    if f == 0:
        return "0"
    sign = "-" if f < 0 else ""
    digits_t = Decimal(repr(abs(f))).normalize().as_tuple()
    digits = "".join(map(str, digits_t.digits))
    k = len(digits)
    n = digits_t.exponent + k  # value = 0.digits * 10^n
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    mant = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{mant}e{'+' if e >= 0 else '-'}{abs(e)}"


def js_string(v):
    """String(v) for a parsed JSON value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return js_number(v)
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return ",".join("" if x is None else js_string(x) for x in v)
    if isinstance(v, dict):
        return "[object Object]"
    return "null"


# A str from json.loads holds a surrogate only when it is lone (a pair becomes one code point).
_SURROGATE = re.compile("[\ud800-\udfff]")


def _is_lone_surrogate_text(v):
    return isinstance(v, str) and _SURROGATE.search(v) is not None


def _js_quote(s):
    """A JSON string as JSON.stringify writes it: a lone surrogate as its escape, lowercase."""
    return _SURROGATE.sub(lambda m: "\\u%04x" % ord(m.group()), json.dumps(s, ensure_ascii=False))


def js_prefix(s, n):
    """s.slice(0, n) in JavaScript: n UTF-16 code units (a pair cut in half leaves a lone surrogate)."""
    return s.encode("utf-16-le", "surrogatepass")[: 2 * n].decode("utf-16-le", "surrogatepass")


def js_stringify(v):
    """JSON.stringify(v) (compact; numbers as JS prints them)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return js_number(v) if math.isfinite(float(v)) else "null"
    if isinstance(v, str):
        return _js_quote(v)
    if isinstance(v, list):
        return "[" + ",".join(js_stringify(x) for x in v) + "]"
    return "{" + ",".join(_js_quote(k) + ":" + js_stringify(x) for k, x in v.items()) + "}"


# ---- DuckDB's JSON reader, as the NDJSON staging SQL sees a line ------------------------


def _duck_number(text):
    """A JSON number as DuckDB's json_transform(..., VARCHAR) prints it."""
    if re.fullmatch(r"-?\d+", text):
        return str(int(text))
    f = float(text)
    return repr(f) if math.isfinite(f) else ("inf" if f > 0 else "-inf")


def _duck_text(v):
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _duck_json(x) for k, x in v["pairs"]) + "}"
    if isinstance(v, list):
        return "[" + ",".join(_duck_json(x) for x in v) + "]"
    return v


def _duck_json(v):
    if v is None:
        return "null"
    if isinstance(v, _Num):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    return _duck_text(v)


def _has_surrogate(v):
    if isinstance(v, str):
        return _SURROGATE.search(v) is not None
    if isinstance(v, list):
        return any(_has_surrogate(x) for x in v)
    if isinstance(v, dict):
        return any(_has_surrogate(k) or _has_surrogate(x) for k, x in v["pairs"])
    return False


class _Num(str):
    """A number token (kept apart from strings so nested values print without quotes)."""


def duckdb_json_object(raw):
    """(pairs, first-wins text values) when DuckDB sees the line as a JSON object, else None."""
    if not re.match(r"[ \t]*\{", raw):
        return None
    # DuckDB's reader accepts a trailing comma before } or ] and NaN/Infinity literals.
    lenient = re.sub(r",(\s*[}\]])", r"\1", raw) if "," in raw else raw
    try:
        doc = json.loads(lenient, parse_float=lambda s: _Num(_duck_number(s)),
                         parse_int=lambda s: _Num(_duck_number(s)),
                         parse_constant=lambda s: _Num(s),
                         object_pairs_hook=lambda pairs: {"pairs": pairs})
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    # DuckDB's reader refuses a \u escape of a lone surrogate (json_valid is false); one
    # can only come from an escape, the screen has made the line valid UTF-8.
    if "\\u" in raw and _has_surrogate(doc):
        return None
    values = {}
    for k, v in doc["pairs"]:
        if k in values:
            continue
        if v is None:
            values[k] = None
        elif isinstance(v, bool):
            values[k] = "true" if v else "false"
        elif isinstance(v, _Num):
            values[k] = str(v)
        elif isinstance(v, str):
            values[k] = v
        else:
            values[k] = _duck_text(v)
    return doc["pairs"], values


def _test_entry(req):
    """Test entry (staging-twins.test.ts, staging-memory.test.ts). The objects, given as
    {key, lastModified, body_b64} or already in the folder `lakeRoot`, are staged as the runner
    stages them (stage_objects, the contract's default limits) on the Glue job's FolderStorage,
    or with `"s3": true` on its S3Storage over a moto bucket; `chunkBytes` and `partBytes` when
    given. Returns the staged records read back from the parts, or with `"countOnly": true`
    {parts, records, maxRssKb} (peak RSS before reading back)."""
    import base64
    import resource

    from etl_job import FolderStorage, S3Storage

    def run(storage):
        for o in req["objects"]:
            if "body_b64" in o:
                storage.write(o["key"], base64.b64decode(o["body_b64"]))
        prefix = "_runs/test/scratch/staged/"
        limits = limits_from_args({}, contract["screen"])
        keys, records = stage_objects(storage, contract, req["objects"], limits, prefix,
                                      req.get("partBytes", PART_BYTES), req.get("chunkBytes", LINE_CHUNK_BYTES))
        if req.get("countOnly"):
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            storage.delete_prefix(prefix)
            return {"parts": len(keys), "records": records, "maxRssKb": peak}
        out = []
        for k in keys:
            out += [json.loads(line) for line in storage.read(k).decode("ascii").split("\n") if line]
        storage.delete_prefix(prefix)
        if storage.list_files(prefix):
            raise AssertionError(f"staged parts left under {prefix}")
        return out

    contract = req["contract"]
    if req.get("s3"):
        import boto3
        from moto import mock_aws

        with mock_aws():
            boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="lake")
            return run(S3Storage("lake"))
    with tempfile.TemporaryDirectory(prefix="ohlcv-staging-") as tmp:
        return run(FolderStorage("lake", req.get("lakeRoot") or tmp))


if __name__ == "__main__":
    import sys

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    json.dump(_test_entry(json.load(sys.stdin)), sys.stdout)
