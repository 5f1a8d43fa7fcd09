export {
  BATCH_CREATE_PARTITION_LIMIT,
  BATCH_UPDATE_PARTITION_LIMIT,
  GLUE_CATALOG_ACTIONS,
  type GlueCatalogOptions,
  glueCatalog,
  missingColumns,
} from './glue-catalog.ts';
