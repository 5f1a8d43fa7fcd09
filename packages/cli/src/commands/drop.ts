import fs from 'node:fs/promises';
import path from 'node:path';
import { isAppError } from '@ohlcv/core';
import { PATH_OUTSIDE_ROOT } from '@ohlcv/local';
import { parse, toJson } from '../args.ts';
import { type Command, UsageError } from '../command.ts';
import { withRuntime } from '../session.ts';

const usage = `Usage: ohlcv drop FILE... [--prefix uploads] [--format table|json]

Copies files into the raw zone (raw/<prefix>/<file name>) as new objects and announces
them with an "Object Created" event, exactly as an S3 upload would. Works whether or
not "ohlcv start" is running: a running pipeline processes them at once, otherwise the
next "start" or "drain" does. Accepted: CSV with a header, canonical NDJSON, a saved
Twelve Data /time_series JSON; gzip (.gz) too.

Options:
  --prefix P       folder under raw/ (default: drops)
  --format F       table (default) or json`;

export const dropCommand: Command = {
  name: 'drop',
  summary: 'Copy files into the raw zone (an S3 upload, locally)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      { prefix: { type: 'string', default: 'drops' }, format: { type: 'string', default: 'table' } },
      true,
    );
    if (positionals.length === 0) throw new UsageError('name at least one FILE to drop');
    const prefix = String(values.prefix).replace(/^\/+|\/+$/g, '');
    if (
      !/^[A-Za-z0-9._=-]+(\/[A-Za-z0-9._=-]+)*$/.test(prefix) ||
      prefix.split('/').some((s) => s.startsWith('.'))
    ) {
      throw new UsageError(`--prefix "${prefix}" must be folder names of letters, digits, . _ = -`);
    }
    const files = await Promise.all(
      positionals.map(async (f) => {
        const full = path.resolve(io.cwd, f);
        const stat = await fs.stat(full).catch(() => undefined);
        if (stat?.isDirectory())
          throw new UsageError(
            `${f} is a folder: name the files to drop (e.g. ${f.replace(/\/+$/, '')}/*.csv)`,
          );
        if (!stat?.isFile()) throw new UsageError(`${f}: no such file`);
        const name = path.basename(full);
        if (!/^[A-Za-z0-9][A-Za-z0-9._=-]*$/.test(name)) {
          throw new UsageError(
            `${f}: file name must be letters, digits, . _ = - (it becomes the object key)`,
          );
        }
        return { full, key: `raw/${prefix}/${name}` };
      }),
    );
    const dropped = await withRuntime(io, async (rt) => {
      const out = [];
      for (const f of files) {
        const info = await rt.store.put(f.key, await fs.readFile(f.full)).catch((err: unknown) => {
          // A symlinked folder under raw/ pointing elsewhere: the prefix is bad input.
          if (isAppError(err) && err.code === PATH_OUTSIDE_ROOT) throw new UsageError(err.message);
          throw err;
        });
        out.push({ key: info.key, size: info.size, etag: info.etag });
      }
      return out;
    });
    if (values.format === 'json') io.stdout(`${toJson(dropped)}\n`);
    else for (const d of dropped) io.stdout(`dropped ${d.key} (${d.size} bytes)\n`);
    return 0;
  },
};
