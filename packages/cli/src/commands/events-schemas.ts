/**
 * `ohlcv events schemas`: the event catalog's JSON Schemas, the same text as `events/schemas/`
 * (draft 2020-12) and as the AWS schema registry holds (`--dialect draft-04`), generated from
 * the zod schemas, so a subscriber can generate bindings without the repository.
 */
import {
  type CatalogEntry,
  eventCatalog,
  jsonSchemaText,
  kebab,
  registryEntries,
  registrySchemaName,
  registrySchemaText,
} from '@ohlcv/events';
import { formatOf, parse, table, toJson } from '../args.ts';
import { type Command, UsageError } from '../command.ts';

const DIALECTS = ['2020-12', 'draft-04'] as const;

const usage = `Usage: ohlcv events schemas [--dialect 2020-12|draft-04] [--format table|json]
       ohlcv events schemas NAME [--dialect 2020-12|draft-04]

Without NAME, lists the events (detail-type, source, bus, schema name). With NAME (a schema
name such as alert-raised, or a detail-type such as "Alert Raised"), prints its JSON Schema.
  --dialect 2020-12   the schemas in events/schemas/ (default)
  --dialect draft-04  the schemas published to the EventBridge schema registry on AWS
                      (pipeline-bus events only; registry name <stage>-ohlcv-events)`;

const entriesFor = (dialect: string): readonly CatalogEntry[] =>
  dialect === 'draft-04' ? registryEntries() : eventCatalog;

export const eventsSchemasCommand: Command = {
  name: 'events schemas',
  summary: 'Print the event JSON Schemas',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      { dialect: { type: 'string', default: '2020-12' }, format: { type: 'string', default: 'table' } },
      true,
    );
    const dialect = String(values.dialect);
    if (!(DIALECTS as readonly string[]).includes(dialect))
      throw new UsageError(`--dialect must be one of ${DIALECTS.join(', ')}, not "${dialect}"`);
    const entries = entriesFor(dialect);
    if (positionals.length > 1) throw new UsageError('give at most one event name');
    const wanted = positionals[0];
    if (wanted === undefined) {
      const format = formatOf(values.format);
      const rows = entries.map((e) => ({
        detailType: e.detailType,
        source: e.source,
        bus: e.bus,
        schema: e.name,
        ...(dialect === 'draft-04' ? { registrySchema: registrySchemaName(e) } : {}),
      }));
      io.stdout(format === 'json' ? `${toJson(rows)}\n` : table(rows));
      return 0;
    }
    const entry = entries.find((e) => e.name === wanted || e.name === kebab(wanted));
    if (!entry) {
      throw new UsageError(
        `unknown event "${wanted}"${dialect === 'draft-04' ? ' in the registry (pipeline-bus events only)' : ''}; events: ${entries.map((e) => e.name).join(', ')}`,
      );
    }
    io.stdout(dialect === 'draft-04' ? registrySchemaText(entry) : jsonSchemaText(entry));
    return 0;
  },
};
