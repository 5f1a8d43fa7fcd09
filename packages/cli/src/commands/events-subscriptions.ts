/**
 * `ohlcv events subscriptions`: the declared subscriptions (subscriptions.json) with what the
 * local deliverer did for each — delivered, failed tries, dead-lettered, in the DLQ now, pending.
 */
import { INVALID_SUBSCRIPTIONS, isAppError, redactEndpoint } from '@ohlcv/core';
import { formatOf, parse, table, toJson } from '../args.ts';
import { type Command, UsageError } from '../command.ts';
import { withRuntime } from '../session.ts';

const usage = `Usage: ohlcv events subscriptions [--format table|json]

Lists the subscriptions declared in subscriptions.json (or $OHLCV_SUBSCRIPTIONS) with the
local deliverer's counts: delivered events, failed tries, events dead-lettered (ever, and in
the DLQ now) and events waiting for a try. Events are delivered while "ohlcv start" runs and
by "ohlcv drain"; "ohlcv dlq redrive --subscription NAME" re-delivers one subscription's DLQ.
A secret is read from the environment variable named after it (OrdersWebhookKey ->
ORDERS_WEBHOOK_KEY).`;

/** An invalid declaration is bad input (exit 2), reported with the field it names. */
export const asUsageError = (e: unknown): never => {
  if (isAppError(e) && e.code === INVALID_SUBSCRIPTIONS) throw new UsageError(e.message);
  throw e;
};

export const eventsSubscriptionsCommand: Command = {
  name: 'events subscriptions',
  summary: 'List subscriptions with delivered / failed / dead-lettered counts',
  usage,
  async run(argv, io) {
    const { values } = parse(argv, { format: { type: 'string', default: 'table' } });
    const format = formatOf(values.format);
    const rows = await withRuntime(io, async (rt) =>
      rt.subscriptions.counts().map((c) => {
        const s = rt.subscriptions.declared.find((d) => d.name === c.subscription);
        return {
          name: c.subscription,
          endpoint: redactEndpoint(c.endpoint),
          pattern: s?.pattern,
          delivered: c.delivered,
          failed: c.failed,
          deadLettered: c.deadLettered,
          inDlq: c.inDlq,
          pending: c.pending,
        };
      }),
    ).catch(asUsageError);
    if (format === 'json') io.stdout(`${toJson(rows)}\n`);
    else if (rows.length === 0) io.stdout('no subscriptions declared (subscriptions.json)\n');
    else
      io.stdout(
        table(
          rows.map(({ pattern: _p, ...r }) => r),
          ['name', 'endpoint', 'delivered', 'failed', 'deadLettered', 'inDlq', 'pending'],
        ),
      );
    return 0;
  },
};
