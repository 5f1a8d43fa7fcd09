import type { CompiledPattern } from '@ohlcv/core';
import { compilePatternText } from '@ohlcv/core/event-pattern/index';
import type { LoggedEvent } from '@ohlcv/local';
import { formatOf, parse } from '../args.ts';
import { type Command, UsageError } from '../command.ts';
import { openRuntime } from '../session.ts';
import { eventsSchemasCommand } from './events-schemas.ts';
import { eventsSubscriptionsCommand } from './events-subscriptions.ts';
import { testPatternCommand } from './events-test-pattern.ts';

const usage = `Usage: ohlcv events tail [--last N] [--follow] [--source PREFIX] [--pattern '<json>'] [--format table|json]
       ohlcv events test-pattern --pattern '<json>' --event '<json>'
       ohlcv events subscriptions [--format table|json]
       ohlcv events schemas [NAME] [--dialect 2020-12|draft-04]

  tail           prints the events that crossed the local buses (AWS-native ones on the
                 default bus, ohlcv.* ones on the pipeline bus) and the queues each was
                 routed to; --follow keeps printing new ones (Ctrl-C to stop)
  test-pattern   tests an EventBridge event pattern against an event, like
                 "aws events test-event-pattern": prints {"Result":true|false}
  subscriptions  the declared subscriptions with delivered / failed / dead-lettered counts
  schemas        the events' JSON Schemas (draft-04: as in the AWS schema registry)

Options of tail:
  --last N         the last N events that pass the filters (default 20; 0 = none, with
                   --follow: only new ones)
  --source PREFIX  only events whose source starts with PREFIX (e.g. ohlcv.quality-alert)
  --pattern JSON   only events an EventBridge pattern matches, with the engine the local
                   rules route with, e.g. '{"detail-type":["Alert Raised"]}'
  --format F       table (default) or json (one event per line)`;

/** Column widths of the table form: every line lines up whatever its values. */
const WIDTH = { seq: 7, bus: 8, source: 24, detailType: 26 } as const;

export function eventLine(e: LoggedEvent): string {
  const d = e.envelope.detail as Record<string, unknown> | undefined;
  const hint = d?.object
    ? (d.object as { key?: string }).key
    : (d?.jobRunId ?? d?.requestId ?? d?.title ?? '');
  return [
    e.at,
    `#${e.seq}`.padEnd(WIDTH.seq),
    e.bus.padEnd(WIDTH.bus),
    e.source.padEnd(WIDTH.source),
    e.detailType.padEnd(WIDTH.detailType),
    `-> ${e.routedTo.join(',') || '(no rule)'}`,
    // The whole id or key: cut, two ids that differ at the end would read the same.
    String(hint),
  ]
    .join(' ')
    .trimEnd();
}

export const eventsCommand: Command = {
  name: 'events',
  summary: 'Tail pipeline events, or test an event pattern',
  usage,
  async run(argv, io) {
    const [verb, ...rest] = argv;
    if (verb === 'test-pattern') return testPatternCommand.run(rest, io);
    if (verb === 'subscriptions') return eventsSubscriptionsCommand.run(rest, io);
    if (verb === 'schemas') return eventsSchemasCommand.run(rest, io);
    if (verb !== 'tail')
      throw new UsageError(
        `expected "tail", "test-pattern", "subscriptions" or "schemas", got "${verb ?? ''}"`,
      );
    const { values } = parse(rest, {
      last: { type: 'string', default: '20' },
      follow: { type: 'boolean', default: false },
      source: { type: 'string' },
      pattern: { type: 'string' },
      format: { type: 'string', default: 'table' },
    });
    const format = formatOf(values.format);
    const last = Number(values.last);
    if (!Number.isInteger(last) || last < 0) throw new UsageError('--last must be a whole number');
    let pattern: CompiledPattern | undefined;
    if (values.pattern !== undefined) {
      try {
        pattern = compilePatternText(values.pattern);
      } catch (err) {
        throw new UsageError(`--pattern: ${(err as Error).message}`);
      }
    }
    const wanted = (e: LoggedEvent): boolean =>
      (!values.source || e.source.startsWith(values.source)) && (!pattern || pattern.matches(e.envelope));
    const rt = openRuntime(io);
    try {
      const show = (e: LoggedEvent): void => {
        if (format === 'json')
          io.stdout(
            `${JSON.stringify({ seq: e.seq, bus: e.bus, routedTo: e.routedTo, event: e.envelope })}\n`,
          );
        else io.stdout(`${eventLine(e)}\n`);
      };
      // Filters first, then --last: the last N events that match, read backwards.
      let seq = rt.eventLog.lastSeq();
      const picked: LoggedEvent[] = [];
      for (let before = seq + 1; picked.length < last; ) {
        const page = rt.eventLog.before(before, 500);
        if (page.length === 0) break;
        for (const e of page) if (picked.length < last && wanted(e)) picked.push(e);
        before = page[page.length - 1]!.seq;
      }
      for (const e of picked.reverse()) show(e);
      while (values.follow && !io.signal.aborted) {
        await new Promise((r) => setTimeout(r, 300));
        for (const e of rt.eventLog.after(seq)) {
          if (wanted(e)) show(e);
          seq = e.seq;
        }
      }
      return 0;
    } finally {
      await rt.close();
    }
  },
};
