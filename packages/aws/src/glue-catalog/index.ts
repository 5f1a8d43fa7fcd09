export {
  BATCH_CREATE_PARTITION_LIMIT,
  type GlueCatalogOptions,
  glueCatalog,
  missingColumns,
} from './glue-catalog.ts';
