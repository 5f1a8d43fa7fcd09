import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { memoryObjectStore } from './contracts/in-memory.ts';
import { readJsonMarker } from './json-marker.ts';

const schema = z.object({ jobRunId: z.string(), startedAt: z.string() });

describe('readJsonMarker', () => {
  it('answers undefined for an absent marker and the parsed value for a present one', async () => {
    const store = memoryObjectStore();
    expect(await readJsonMarker(store, 'm.json', schema)).toBeUndefined();
    await store.put('m.json', JSON.stringify({ jobRunId: 'jr_1', startedAt: 'x', extra: 1 }));
    expect(await readJsonMarker(store, 'm.json', schema)).toEqual({ jobRunId: 'jr_1', startedAt: 'x' });
  });

  it('names the key and the fields of a marker that does not match, and the key of one that is not JSON', async () => {
    const store = memoryObjectStore();
    await store.put('bad.json', JSON.stringify({ jobRunId: 1 }));
    await store.put('torn.json', '{"jobRunId":');
    await expect(readJsonMarker(store, 'bad.json', schema)).rejects.toMatchObject({
      code: 'MarkerInvalid',
      message: expect.stringMatching(/bad\.json.*jobRunId.*startedAt/),
    });
    await expect(readJsonMarker(store, 'torn.json', schema)).rejects.toMatchObject({
      code: 'MarkerInvalid',
      message: 'torn.json is not JSON',
    });
  });
});
