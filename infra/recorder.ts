/**
 * Recorders standing in for SST's and Pulumi's constructors and globals. Every `new X(name,
 * args)` is recorded; a recorded resource's outputs are tokens `${Type:name.prop}` that
 * flow through `interpolate`/`jsonStringify` as plain strings, so the graph's references
 * can be checked by string equality.
 */

export interface RecordedResource {
  type: string;
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: recorded constructor arguments are untyped data.
  args: any;
}

export const token = (type: string, name: string, prop: string): string => `\${${type}:${name}.${prop}}`;
export const ACCOUNT_ID = '123456789012';

export function createRecorder() {
  const resources: RecordedResource[] = [];
  const instance = (type: string, name: string) =>
    new Proxy(
      {},
      {
        get: (_, prop) => (typeof prop === 'symbol' || prop === 'then' ? undefined : token(type, name, prop)),
      },
    );
  const ctors = new Map<string, unknown>();
  const ctor = (type: string) => {
    if (!ctors.has(type)) {
      ctors.set(
        type,
        class {
          constructor(name: string, args: unknown) {
            resources.push({ type, name, args });
            // biome-ignore lint/correctness/noConstructorReturn: a recorder returns a token proxy.
            return instance(type, name);
          }
        },
      );
    }
    return ctors.get(type);
  };
  const namespace = (prefix: string) =>
    new Proxy({}, { get: (_, k) => (typeof k === 'symbol' ? undefined : ctor(`${prefix}.${k}`)) });

  const aws = new Proxy(
    {},
    {
      get: (_, mod) => {
        if (typeof mod === 'symbol') return undefined;
        if (mod === 'getCallerIdentityOutput') return () => ({ accountId: ACCOUNT_ID });
        return namespace(`aws.${mod}`);
      },
    },
  );
  const sst = { aws: namespace('sst.aws'), Secret: ctor('sst.Secret') };
  const util = {
    interpolate: (strings: TemplateStringsArray, ...values: unknown[]) =>
      strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), ''),
    jsonStringify: (value: unknown) => JSON.stringify(value),
    output: (value: unknown) => ({ apply: (f: (v: unknown) => unknown) => f(value) }),
    asset: {
      FileAsset: class {
        constructor(readonly path: string) {}
      },
    },
  };

  return { resources, aws, sst, util };
}

export type Recorder = ReturnType<typeof createRecorder>;

/** Installs the recorder as SST's globals, as `sst deploy` would provide them. */
export function installGlobals(rec: Recorder, app: { name: string; stage: string }): () => void {
  const g = globalThis as Record<string, unknown>;
  const saved = ['$config', '$app', 'aws', 'sst', '$util'].map((k) => [k, g[k]] as const);
  g.$config = (config: unknown) => config;
  g.$app = app;
  g.aws = rec.aws;
  g.sst = rec.sst;
  g.$util = rec.util;
  return () => {
    for (const [k, v] of saved) g[k] = v;
  };
}
