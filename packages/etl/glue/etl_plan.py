"""The shared ETL plan as the PySpark runner reads it: plan.json, dialect.json, tables.json
and the SQL files they name, from the sql tree infra uploads (`<sql_prefix>etl/...`,
`<sql_prefix>quality/...`). Twin of packages/etl/src/plan.ts (render, escaping and the plan
version are tested on the same fixtures). Pure Python: no Spark, no AWS.
"""

import hashlib
import json
import re

TOKEN = re.compile(r"\{\{([a-z_]+)\}\}")


def _strip_comments(doc):
    """`$comment` keys document the files; they are not part of the data (at any depth)."""
    if isinstance(doc, dict):
        return {k: _strip_comments(v) for k, v in doc.items() if k != "$comment"}
    if isinstance(doc, list):
        return [_strip_comments(v) for v in doc]
    return doc


class Plan:
    """Everything the runner needs to know, read through `read(path relative to the sql root) -> bytes`."""

    def __init__(self, read):
        self._read = read
        self.doc = _strip_comments(json.loads(read("etl/plan.json")))
        dialect = _strip_comments(json.loads(read("etl/dialect.json")))
        grammars = dialect["grammars"]
        fill = lambda text: re.sub(r"%([A-Z_]+)%", lambda m: grammars.get(m.group(1), m.group(0)), text)
        self.functions = {n: {e: fill(s) for e, s in f.items() if e in ("duckdb", "spark")}
                          for n, f in dialect["functions"].items()}
        self.tables = _strip_comments(json.loads(read("etl/tables.json")))
        self.steps = self.doc["steps"]
        self.existing = _strip_comments(self.doc["existing"])
        self.outputs = self.doc["outputs"]
        self.staging = _strip_comments(self.doc["staging"])
        self.escape_chars = set(self.doc["escaping"]["characters"])

    def text(self, path):
        return self._read(path).decode("utf-8")

    def step_sql(self, step):
        return self.text(f"etl/{step['file']}")

    def run_params_sql(self):
        return self.text(f"etl/{self.doc['runParams']['select']}")

    def select_sql(self, existing_name):
        return self.text(f"etl/{self.existing[existing_name]['select']}")

    def quality_rules(self):
        out = []
        for rule in self.doc["quality"]["rules"]:
            sql = self.text(f"quality/{rule}.sql")
            m = re.search(r"^-- description: (.*)$", sql, re.M)
            out.append({"rule": rule, "description": m.group(1).strip() if m else rule, "sql": sql})
        return out

    def version(self):
        """Twin of planVersion in plan.ts: sha256 over the plan's files in plan order, 16 hex digits."""
        files = ["plan.json", "dialect.json", "tables.json", self.doc["runParams"]["select"],
                 *[s["file"] for s in self.steps],
                 *[e["select"] for e in self.existing.values()]]
        paths = [f"etl/{f}" for f in files] + [f"quality/{r}.sql" for r in self.doc["quality"]["rules"]]
        h = hashlib.sha256()
        for p in paths:
            h.update(f"{p}\n".encode())
            h.update(self._read(p))
            h.update(b"\n")
        return h.hexdigest()[:16]

    # ---- rendering: twin of renderSql ---------------------------------------------------

    def render(self, sql, engine="spark"):
        out = []
        rest = sql
        while True:
            m = TOKEN.search(rest)
            if not m:
                out.append(rest)
                return "".join(out)
            name = m.group(1)
            if name not in self.functions:
                raise ValueError(f"Unknown SQL template token {{{{{name}}}}}")
            spelling = self.functions[name][engine]
            out.append(rest[:m.start()])
            after = m.end()
            if "$1" not in spelling:
                out.append(spelling)
                rest = rest[after:]
                continue
            if rest[after:after + 1] != "(":
                raise ValueError(f"{{{{{name}}}}} must be called: {{{{{name}}}}}(...)")
            args, end = _call_arguments(rest, after)
            rendered = [self.render(a, engine) for a in args]

            def arg(mm):
                i = int(mm.group(1)) - 1
                if i >= len(rendered):
                    raise ValueError(f"{{{{{name}}}}} needs argument ${i + 1}")
                return rendered[i]

            out.append(re.sub(r"\$(\d)", arg, spelling))
            rest = rest[end:]

    # ---- partition paths: twin of hive-path.ts ------------------------------------------

    def escape(self, value):
        return "".join(f"%{ord(c):02X}" if ord(c) < 0x20 or ord(c) == 0x7F or c in self.escape_chars else c
                       for c in value)

    def partition_path(self, keys, values):
        parts = []
        for k in keys:
            v = values.get(k)
            if v is None or v == "":
                raise ValueError(f"Missing partition value for {k}")
            parts.append(f"{k}={self.escape(str(v))}")
        return "/".join(parts)


# ---- run parameters: twin of packages/core/src/staging-limits.ts --------------------------

DEFAULT_STAGING_LIMITS = {"maxLineBytes": 1024 * 1024, "maxObjectBytes": 1024 * 1024 * 1024, "minDate": "1800-01-01"}


def staging_limits(args, defaults=None):
    """The staging limits from the job arguments (--MIN_DATE, --MAX_LINE_BYTES, --MAX_OBJECT_BYTES,
    as infra passes them), else the defaults (the plan's staging.screen.defaults when given; a
    test holds them equal to core's); the same rules as stagingLimitsFromEnv."""
    defaults = defaults or DEFAULT_STAGING_LIMITS
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
    return {
        "maxLineBytes": whole("MAX_LINE_BYTES", defaults["maxLineBytes"]),
        "maxObjectBytes": whole("MAX_OBJECT_BYTES", defaults["maxObjectBytes"]),
        "minDate": min_date,
    }


def unescape(segment):
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), segment)


def parse_segment(name):
    """`key=value` directory name -> (key, decoded value), or None."""
    eq = name.find("=")
    if eq <= 0:
        return None
    return name[:eq], unescape(name[eq + 1:])


def _call_arguments(sql, open_at):
    args, depth, quote, start = [], 0, False, open_at + 1
    for i in range(open_at, len(sql)):
        ch = sql[i]
        if quote:
            if ch == "'":
                quote = False
            continue
        if ch == "'":
            quote = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                args.append(sql[start:i].strip())
                return args, i + 1
        elif ch == "," and depth == 1:
            args.append(sql[start:i].strip())
            start = i + 1
    raise ValueError(f"Unclosed call at offset {open_at}")
