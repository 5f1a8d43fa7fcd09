/// <reference path="./infra/sst-env.d.ts" />
/**
 * SST v4 app: thin on purpose. Everything is declared in infra/, generated from the shared
 * topology in @ohlcv/core. SST forbids top-level imports here, hence the dynamic import
 * and the production-stage list repeated from infra/stages.ts (the synth test keeps them equal).
 */
export default $config({
  app(input) {
    const production = ['production', 'prod'].includes(input.stage);
    return {
      name: 'ohlcv',
      removal: production ? 'retain' : 'remove',
      protect: production,
      home: 'aws',
      providers: {
        aws: { region: process.env.OHLCV_AWS_REGION ?? process.env.AWS_REGION ?? 'us-east-1' },
      },
    };
  },
  async run() {
    const { deploy, stageConfig } = await import('./infra/index.ts');
    return deploy(
      {
        app: { name: $app.name, stage: $app.stage },
        aws,
        sst,
        util: $util,
        accountId: aws.getCallerIdentityOutput({}).accountId,
        root: process.cwd(),
      },
      stageConfig($app.stage),
    );
  },
});
