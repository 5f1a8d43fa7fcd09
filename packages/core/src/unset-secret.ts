/**
 * The placeholder value infra gives a required secret, so a first `sst deploy` succeeds
 * before `sst secret set` ran; the service that needs the secret reports it clearly at cold
 * start instead of calling an API with a bogus key.
 */
export const UNSET_SECRET = '__unset__';

export const isUnsetSecret = (value: string | undefined): boolean =>
  value === undefined || value === '' || value === UNSET_SECRET;
