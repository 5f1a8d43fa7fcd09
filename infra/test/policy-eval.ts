/**
 * A small IAM evaluator for the recorded policies: Allow statements only (the roles have no
 * Deny), `*` wildcards in actions and resources, and StringLike on `s3:prefix`. Enough to
 * ask "may this role do X on Y" offline; the stage rehearsal asks moto the same for real.
 */
import type { PolicyDocument } from '../iam.ts';

const glob = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

export interface Request {
  action: string;
  resource: string;
  /** Request context, e.g. `{ 's3:prefix': '_manifests/m-1.run.json' }`. */
  context?: Record<string, string>;
}

export function allows(doc: PolicyDocument, req: Request): boolean {
  return doc.Statement.some((s) => {
    if (s.Effect !== 'Allow') return false;
    if (!s.Action.some((a) => glob(a).test(req.action))) return false;
    if (!(s.Resource ?? []).some((r) => glob(String(r)).test(req.resource))) return false;
    for (const [op, conds] of Object.entries(s.Condition ?? {})) {
      for (const [key, expected] of Object.entries(conds)) {
        const actual = req.context?.[key];
        const values = (Array.isArray(expected) ? expected : [expected]).map(String);
        if (actual === undefined) return false;
        if (op === 'StringLike' && !values.some((v) => glob(v).test(actual))) return false;
        if (op === 'StringEquals' && !values.includes(actual)) return false;
      }
    }
    return true;
  });
}
