/**
 * Reading the small JSON objects services keep next to their work to stay idempotent
 * (a run marker, a pending or synced marker, an alert's delivery record): absent is an
 * answer, not an error; present means parsed by its schema, never cast.
 */
import type { z } from 'zod';
import { AppError, isAppError } from './errors.ts';
import type { ObjectStore } from './ports.ts';

/**
 * The marker at `key`, parsed by `schema`; undefined when there is none. A marker that is
 * not JSON or does not match its schema is `MarkerInvalid`, naming the key and the fields.
 */
export async function readJsonMarker<S extends z.ZodType>(
  store: ObjectStore,
  key: string,
  schema: S,
): Promise<z.output<S> | undefined> {
  // HEAD first, as the services always did: on S3 that is the call their IAM policies and
  // tests pin (a missing key answers 404 to HEAD only with s3:ListBucket granted).
  if (!(await store.head(key))) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = await store.get(key);
  } catch (err) {
    // Deleted between the two calls: absent too.
    if (isAppError(err) && err.code === 'NoSuchKey') return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new AppError('MarkerInvalid', `${key} is not JSON`, { cause: err });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new AppError('MarkerInvalid', `${key} is not a valid marker: ${fields.join('; ')}`);
  }
  return parsed.data;
}
