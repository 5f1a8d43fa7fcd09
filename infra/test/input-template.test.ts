import { describe, expect, it } from 'vitest';
import { renderInputTemplate } from '../input-template.ts';

describe('renderInputTemplate (EventBridge input transformer)', () => {
  const event = { id: 'e-"1"', time: '2024-01-02T03:04:05Z', detail: { n: 3, tags: ['a'] } };
  const paths = {
    id: '$.id',
    time: '$.time',
    n: '$.detail.n',
    tags: '$.detail.tags',
    none: '$.detail.missing',
  };

  it('quotes strings outside a JSON string and inserts their escaped text inside one', () => {
    const out = renderInputTemplate(
      '{"id":<id>,"n":<n>,"tags":<tags>,"none":<none>,"msg":"run <id> at <time>","keep":"<other>"}',
      paths,
      event,
    );
    expect(JSON.parse(out)).toEqual({
      id: 'e-"1"',
      n: 3,
      tags: ['a'],
      none: null,
      msg: 'run e-"1" at 2024-01-02T03:04:05Z',
      keep: '<other>',
    });
  });
});
