/**
 * Minimal ambient types for the SST globals that sst.config.ts uses. `sst install` would
 * generate the full set in .sst/platform/config.d.ts, but it cannot run offline. `aws` and
 * `$util` are typed by the real `@pulumi/aws` / `@pulumi/pulumi` packages; `sst` by the
 * subset declared in infra/platform.ts; `$config` and `$app` here.
 */

interface SstAppInput {
  stage: string;
}

interface SstApp {
  name: string;
  removal?: 'remove' | 'retain' | 'retain-all';
  protect?: boolean;
  home: 'aws';
  providers?: { aws?: { region?: string } };
}

interface SstConfig {
  app(input: SstAppInput): SstApp;
  run(): Promise<Record<string, unknown> | undefined>;
}

declare function $config(config: SstConfig): SstConfig;
declare const $app: { name: string; stage: string };
declare const $util: typeof import('@pulumi/pulumi');
declare const aws: typeof import('@pulumi/aws');
declare const sst: import('./platform.ts').SstApi;
