/**
 * How EventBridge renders an input transformer, so the template infra declares can be
 * checked (synth test) and delivered (stage rehearsal) exactly as AWS would deliver it:
 * each `inputPaths` entry is a JSONPath into the event; a `<name>` outside a JSON string
 * is replaced by the value as JSON (strings quoted), inside a string by its escaped text.
 * Unknown names are left as they are (EventBridge rejects such a template at PutTargets).
 */

export function jsonPathValue(event: unknown, path: string): unknown {
  if (path === '$') return event;
  if (!path.startsWith('$.')) throw new Error(`input path ${path}: only $.a.b paths are supported`);
  let v: unknown = event;
  for (const part of path.slice(2).split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

export function renderInputTemplate(
  template: string,
  inputPaths: Record<string, string>,
  event: unknown,
): string {
  const values = new Map(Object.entries(inputPaths).map(([k, p]) => [k, jsonPathValue(event, p)]));
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    if (inString && c === '\\') {
      out += c + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    if (c === '<') {
      const m = /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i));
      if (m && values.has(m[1] as string)) {
        const v = values.get(m[1] as string);
        if (inString) {
          const text = typeof v === 'string' ? v : JSON.stringify(v ?? null);
          out += JSON.stringify(text).slice(1, -1);
        } else {
          out += v === undefined ? 'null' : JSON.stringify(v);
        }
        i += (m[0] as string).length - 1;
        continue;
      }
    }
    out += c;
  }
  return out;
}
