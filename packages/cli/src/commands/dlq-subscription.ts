/**
 * `ohlcv dlq list|redrive --subscription NAME`: a subscription's dead letters, and their
 * redelivery to that subscription only (its own queue and endpoint, never the bus, which
 * would reach every subscriber again). On AWS the same verb is a message move task from the
 * subscription's DLQ to its redrive queue (infra/README.md).
 */
import { formatOf, parse, table, toJson } from '../args.ts';
import { type Command, UsageError } from '../command.ts';
import { withRuntime } from '../session.ts';
import { asUsageError } from './events-subscriptions.ts';

const usage = `Usage: ohlcv dlq list --subscription NAME [--limit N] [--format table|json]
       ohlcv dlq redrive --subscription NAME [--max N]

  list      shows the subscription's dead-lettered events, with their tries and last error
  redrive   gives them a fresh set of tries, delivered to that subscription's endpoint only
            (by "ohlcv start" while it runs, or "ohlcv drain")`;

const positive = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive whole number`);
  return n;
};

const unknownAsUsage = (e: unknown): never => {
  if ((e as { code?: string }).code === 'UnknownSubscription') throw new UsageError((e as Error).message);
  return asUsageError(e);
};

export const dlqSubscriptionCommand: Command = {
  name: 'dlq --subscription',
  summary: "List or redrive a subscription's dead letters",
  usage,
  async run(argv, io) {
    const [verb, ...rest] = argv;
    if (verb !== 'list' && verb !== 'redrive')
      throw new UsageError(`expected "list" or "redrive", got "${verb ?? ''}"`);
    const { values, positionals } = parse(
      rest,
      {
        subscription: { type: 'string' },
        limit: { type: 'string', default: '50' },
        max: { type: 'string' },
        format: { type: 'string', default: 'table' },
      },
      true,
    );
    if (positionals.length > 0) throw new UsageError('a queue and --subscription cannot be combined');
    const name = values.subscription;
    if (!name) throw new UsageError('--subscription needs a subscription name');
    const format = formatOf(values.format);
    if (verb === 'list') {
      const limit = positive(values.limit, '--limit');
      const rows = await withRuntime(io, async (rt) => rt.subscriptions.deadLetters(name, limit)).catch(
        unknownAsUsage,
      );
      if (format === 'json') io.stdout(`${toJson(rows)}\n`);
      else
        io.stdout(
          rows.length === 0
            ? `the DLQ of subscription ${name} is empty\n`
            : table(
                rows.map((r) => ({ ...r })),
                ['eventId', 'attempts', 'lastStatus', 'deadLetteredAt', 'lastError'],
              ),
        );
      return 0;
    }
    const max = positive(values.max, '--max');
    const moved = await withRuntime(io, async (rt) => rt.subscriptions.redrive(name, max)).catch(
      unknownAsUsage,
    );
    if (format === 'json') io.stdout(`${toJson({ subscription: name, redriven: moved })}\n`);
    else io.stdout(`redrove ${moved} event(s) of subscription ${name}; they go to its endpoint only\n`);
    return 0;
  },
};
