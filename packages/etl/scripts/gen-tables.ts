/** Writes sql/etl/tables.json from packages/core/src/tables.ts (`pnpm gen:etl-tables`). */
import { writeFileSync } from 'node:fs';
import { renderTablesJson, tablesJsonPath } from '../src/plan.ts';

writeFileSync(tablesJsonPath, renderTablesJson());
process.stdout.write(`wrote ${tablesJsonPath}\n`);
