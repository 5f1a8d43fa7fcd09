#!/usr/bin/env bash
# A Python 3.11 venv with pyspark (Glue 5.0's Spark) and moto's server, cached outside the
# clone and rebuilt only when requirements-test.txt changes. Java (17) must be on PATH for Spark.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${OHLCV_CACHE_DIR:-$HOME/.cache/ohlcv-data-engine}"
venv="$cache/venv"
want=$(sha256sum requirements-test.txt | cut -c1-16)
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.requirements" 2>/dev/null)" = "$want" ]; then
  echo "python venv ready: $venv"
  exit 0
fi
py="${PYTHON:-}"
if [ -z "$py" ]; then
  for c in python3.11 python3; do command -v "$c" >/dev/null && { py="$c"; break; }; done
fi
[ -n "$py" ] || { echo "10-python: no python3 on PATH" >&2; exit 1; }
"$py" -c 'import sys; assert sys.version_info[:2] >= (3, 10), sys.version' ||
  { echo "10-python: need Python >= 3.10 (3.11 is what Glue 5.0 runs)" >&2; exit 1; }
command -v java >/dev/null || { echo "10-python: no java on PATH (Spark needs Java 17)" >&2; exit 1; }
mkdir -p "$cache"
rm -rf "$venv"
"$py" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
echo "$want" > "$venv/.requirements"
echo "python venv ready: $venv"
