/**
 * EventBridge event-pattern engine: validation with AWS's rejection reasons, and a
 * compiled matcher for the hot path. Semantics follow aws/event-ruler, the library
 * behind EventBridge: pattern and event keys are dot-joined paths, arrays in the event
 * mean "any element", objects inside one event array element must match together.
 */
import { AppError } from '../errors.ts';
import { type IpRange, ipInRange, parseCidr, parseIpAddress } from './ip-address.ts';
import { compileWildcard } from './wildcard.ts';

export const INVALID_EVENT_PATTERN = 'InvalidEventPatternException';
const REASON_PREFIX = 'Event pattern is not valid. Reason: ';
/** Beyond this many wildcards in one value AWS answers "Rule is too complex". */
const MAX_WILDCARDS_PER_VALUE = 5;
const MATCH_TYPES = new Set([
  'prefix',
  'suffix',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
  'equals-ignore-case',
  'wildcard',
]);

export interface CompiledPattern {
  matches(event: unknown): boolean;
}

type Scalar = string | number | boolean | null;
type Predicate = (value: Scalar) => boolean;

/** Conditions on one leaf path: satisfied when any one of them holds. */
interface LeafNode {
  kind: 'leaf';
  strings: Set<string> | undefined;
  numbers: Set<number> | undefined;
  literals: Set<boolean | null> | undefined;
  predicates: Predicate[];
  existsTrue: boolean;
  existsFalse: boolean;
}

interface ObjectNode {
  kind: 'object';
  children: Map<string, PatternNode>;
  /** Each group is one `$or`: at least one alternative must match the same event object. */
  orGroups: ObjectNode[][];
}

type PatternNode = LeafNode | ObjectNode;

// A function declaration (not an arrow) so TypeScript narrows after calls to it.
function invalid(reason: string): never {
  throw new AppError(INVALID_EVENT_PATTERN, REASON_PREFIX + reason);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const newObjectNode = (): ObjectNode => ({ kind: 'object', children: new Map(), orGroups: [] });

/** Validates and compiles a parsed pattern. Throws AppError('InvalidEventPatternException'). */
export const compilePattern = (pattern: unknown): CompiledPattern => {
  if (!isPlainObject(pattern)) invalid('Filter is not an object');
  const root = newObjectNode();
  compileObject(pattern as Record<string, unknown>, root, false);
  return { matches: (event) => matchObject(root, event) };
};

export const validatePattern = (pattern: unknown): void => {
  compilePattern(pattern);
};

/** Parses JSON text first, so callers holding a rule's text get the same errors AWS gives. */
export const compilePatternText = (text: string): CompiledPattern => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new AppError(
      INVALID_EVENT_PATTERN,
      `${REASON_PREFIX}Filter is not valid JSON: ${(e as Error).message}`,
    );
  }
  return compilePattern(parsed);
};

/** Descends `node` along a dotted key, creating object nodes on the way. */
const nodeAt = (node: ObjectNode, segments: string[]): ObjectNode => {
  let current = node;
  for (const seg of segments) {
    let next = current.children.get(seg);
    if (next?.kind !== 'object') {
      next = newObjectNode();
      current.children.set(seg, next);
    }
    current = next;
  }
  return current;
};

const compileObject = (obj: Record<string, unknown>, into: ObjectNode, insideOr: boolean): void => {
  const keys = Object.keys(obj);
  if (keys.length === 0) invalid('Empty objects are not allowed');
  for (const key of keys) {
    const value = obj[key];
    if (key === '$or') {
      compileOr(value, into);
      continue;
    }
    if (insideOr && MATCH_TYPES.has(key)) {
      invalid(`${key} is Ruler reserved fieldName which cannot be used inside $or.`);
    }
    const segments = key.split('.');
    const last = segments.pop() as string;
    const parent = nodeAt(into, segments);
    if (isPlainObject(value)) {
      compileObject(value, nodeAt(parent, [last]), insideOr);
    } else if (Array.isArray(value)) {
      // Same path given twice: the later one wins, as AWS does for repeated keys.
      parent.children.set(last, compileLeaf(value));
    } else {
      invalid(`"${key}" must be an object or an array`);
    }
  }
};

const compileOr = (value: unknown, into: ObjectNode): void => {
  if (!Array.isArray(value)) invalid('It must be an Array followed with $or.');
  const alternatives: ObjectNode[] = [];
  for (const item of value as unknown[]) {
    if (!isPlainObject(item)) invalid('Only JSON object is allowed in array of $or relationship.');
    const alt = newObjectNode();
    compileObject(item as Record<string, unknown>, alt, true);
    alternatives.push(alt);
  }
  if (alternatives.length < 2) invalid('There must have at least 2 Objects in $or relationship.');
  into.orGroups.push(alternatives);
};

const compileLeaf = (values: unknown[]): LeafNode => {
  if (values.length === 0) invalid('Empty arrays are not allowed');
  const leaf: LeafNode = {
    kind: 'leaf',
    strings: undefined,
    numbers: undefined,
    literals: undefined,
    predicates: [],
    existsTrue: false,
    existsFalse: false,
  };
  for (const v of values) {
    if (typeof v === 'string') {
      leaf.strings ??= new Set();
      leaf.strings.add(v);
      // An IP literal also matches other spellings of the same address, as in AWS.
      const ip = parseIpAddress(v);
      if (ip) leaf.predicates.push(ipPredicate({ bottom: ip, top: ip }));
    } else if (typeof v === 'number') {
      leaf.numbers ??= new Set();
      leaf.numbers.add(v);
    } else if (v === null || typeof v === 'boolean') {
      leaf.literals ??= new Set();
      leaf.literals.add(v);
    } else if (isPlainObject(v)) {
      compileMatchExpression(v, leaf);
    } else {
      invalid('Match value must be String, number, true, false, or null');
    }
  }
  return leaf;
};

const onlyOneKey = (
  expr: Record<string, unknown>,
  tooManyReason = 'Only one key allowed in match expression',
) => {
  if (Object.keys(expr).length > 1) invalid(tooManyReason);
};

const TOO_MANY_NUMERIC = 'Too many elements in numeric expression';

const compileMatchExpression = (expr: Record<string, unknown>, leaf: LeafNode): void => {
  const keys = Object.keys(expr);
  const type = keys[0];
  if (type === undefined) invalid('Match expression name not found');
  const arg = expr[type];
  switch (type) {
    case 'prefix':
    case 'suffix': {
      if (isPlainObject(arg)) {
        const ignoreCase = ignoreCaseOperand(arg, type);
        onlyOneKey(expr);
        leaf.predicates.push(type === 'prefix' ? prefixIgnoreCase(ignoreCase) : suffixIgnoreCase(ignoreCase));
        return;
      }
      if (typeof arg !== 'string') invalid(`${type} match pattern must be a string`);
      onlyOneKey(expr);
      const s = arg as string;
      leaf.predicates.push(
        type === 'prefix'
          ? (v) => typeof v === 'string' && v.startsWith(s)
          : (v) => typeof v === 'string' && v.endsWith(s),
      );
      return;
    }
    case 'equals-ignore-case': {
      if (typeof arg !== 'string') invalid('equals-ignore-case match pattern must be a string');
      onlyOneKey(expr);
      const lower = (arg as string).toLowerCase();
      leaf.predicates.push((v) => typeof v === 'string' && v.toLowerCase() === lower);
      return;
    }
    case 'wildcard': {
      if (typeof arg !== 'string') invalid('wildcard match pattern must be a string');
      const match = compileWildcardChecked(arg as string);
      onlyOneKey(expr);
      leaf.predicates.push((v) => typeof v === 'string' && match(v));
      return;
    }
    case 'numeric': {
      if (!Array.isArray(arg)) invalid('Value of numeric must be an array.');
      const test = compileNumeric(arg as unknown[]);
      onlyOneKey(expr, TOO_MANY_NUMERIC);
      leaf.predicates.push((v) => typeof v === 'number' && test(v));
      return;
    }
    case 'exists': {
      if (typeof arg !== 'boolean') invalid('exists match pattern must be either true or false.');
      onlyOneKey(expr);
      if (arg) leaf.existsTrue = true;
      else leaf.existsFalse = true;
      return;
    }
    case 'cidr': {
      // AWS's own wording for a non-string cidr mentions prefix; kept for parity.
      if (typeof arg !== 'string') invalid('prefix match pattern must be a string');
      let range: IpRange;
      try {
        range = parseCidr(arg as string);
      } catch (e) {
        invalid((e as Error).message);
      }
      onlyOneKey(expr);
      leaf.predicates.push(ipPredicate(range));
      return;
    }
    case 'anything-but': {
      leaf.predicates.push(compileAnythingBut(arg));
      onlyOneKey(expr, TOO_MANY_NUMERIC);
      return;
    }
    default:
      invalid(`Unrecognized match type ${type}`);
  }
};

const ignoreCaseOperand = (arg: Record<string, unknown>, type: 'prefix' | 'suffix'): string => {
  const label = type === 'prefix' ? 'Prefix' : 'Suffix';
  const op = Object.keys(arg)[0];
  if (op === undefined) return invalid(`${label} expression name not found`);
  if (op !== 'equals-ignore-case') invalid(`Unsupported ${type} pattern: ${op}`);
  const value = arg[op];
  if (typeof value !== 'string') invalid('equals-ignore-case match pattern must be a string');
  onlyOneKey(arg);
  return value as string;
};

const prefixIgnoreCase = (s: string): Predicate => {
  const lower = s.toLowerCase();
  return (v) => typeof v === 'string' && v.toLowerCase().startsWith(lower);
};

const suffixIgnoreCase = (s: string): Predicate => {
  const lower = s.toLowerCase();
  return (v) => typeof v === 'string' && v.toLowerCase().endsWith(lower);
};

const ipPredicate =
  (range: IpRange): Predicate =>
  (v) => {
    if (typeof v !== 'string') return false;
    const ip = parseIpAddress(v);
    return ip !== undefined && ipInRange(ip, range);
  };

const compileWildcardChecked = (pattern: string): ((value: string) => boolean) => {
  let match: ReturnType<typeof compileWildcard>;
  try {
    match = compileWildcard(pattern);
  } catch (e) {
    return invalid((e as Error).message);
  }
  if (match.wildcardCount > MAX_WILDCARDS_PER_VALUE) {
    invalid(
      'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
    );
  }
  return match;
};

type NumericOp = '=' | '<' | '<=' | '>' | '>=';

const compileNumeric = (terms: unknown[]): ((n: number) => boolean) => {
  const [op, value, op2, value2, ...rest] = terms;
  if (terms.length === 0) invalid('Invalid member in numeric match: ]');
  if (typeof op !== 'string') invalid(`Invalid member in numeric match: ${JSON.stringify(op)}`);
  if (!['=', '<', '<=', '>', '>='].includes(op as string)) {
    invalid(`Unrecognized numeric range operator: ${op}`);
  }
  const first = op as NumericOp;
  if (typeof value !== 'number') invalid(`Value of ${first === '=' ? 'equals' : first} must be numeric`);
  const a = value as number;
  if (terms.length === 2) {
    switch (first) {
      case '=':
        return (n) => n === a;
      case '<':
        return (n) => n < a;
      case '<=':
        return (n) => n <= a;
      case '>':
        return (n) => n > a;
      case '>=':
        return (n) => n >= a;
    }
  }
  if (first === '=' || first === '<' || first === '<=') return invalid(TOO_MANY_NUMERIC);
  if (typeof op2 !== 'string') invalid(`Bad value in numeric range: ${JSON.stringify(op2)}`);
  if (op2 !== '<' && op2 !== '<=') invalid(`Bad numeric range operator: ${op2}`);
  if (typeof value2 !== 'number') invalid(`Value of ${op2} must be numeric`);
  if (rest.length > 0) invalid('Too many terms in numeric range expression');
  const b = value2 as number;
  if (b <= a) invalid('Bottom must be less than top');
  const openBottom = first === '>';
  const openTop = op2 === '<';
  return (n) => (openBottom ? n > a : n >= a) && (openTop ? n < b : n <= b);
};

const ANYTHING_BUT_VALUE = 'Value of anything-but must be an array or single string/number value.';

const compileAnythingBut = (arg: unknown): Predicate => {
  if (isPlainObject(arg)) return compileAnythingButOperator(arg);
  if (Array.isArray(arg)) {
    const strings = new Set<string>();
    const numbers = new Set<number>();
    for (const v of arg) {
      if (typeof v === 'string') strings.add(v);
      else if (typeof v === 'number') numbers.add(v);
      else invalid('Inside anything but list, start|null|boolean is not supported.');
    }
    if (strings.size > 0 === numbers.size > 0) {
      invalid(
        'Inside anything but list, either all values are number or string, mixed type is not supported',
      );
    }
    return (v) => !(typeof v === 'string' ? strings.has(v) : typeof v === 'number' && numbers.has(v));
  }
  if (typeof arg === 'string') return (v) => v !== arg;
  if (typeof arg === 'number') return (v) => v !== arg;
  return invalid(ANYTHING_BUT_VALUE);
};

/** anything-but with a nested prefix / suffix / equals-ignore-case / wildcard. */
const compileAnythingButOperator = (arg: Record<string, unknown>): Predicate => {
  const op = Object.keys(arg)[0];
  if (op === undefined) return invalid('Anything-But expression name not found');
  if (!['equals-ignore-case', 'prefix', 'suffix', 'wildcard'].includes(op)) {
    invalid(`Unsupported anything-but pattern: ${op}`);
  }
  const inner = arg[op];
  if (!Array.isArray(inner) && typeof inner !== 'string' && typeof inner !== 'number')
    invalid(ANYTHING_BUT_VALUE);
  const typeReason =
    op === 'equals-ignore-case'
      ? 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'
      : op === 'wildcard'
        ? 'wildcard match pattern must be a string'
        : 'prefix/suffix match pattern must be a string';
  const values: string[] = [];
  for (const v of Array.isArray(inner) ? inner : [inner]) {
    if (typeof v !== 'string') return invalid(typeReason);
    if ((op === 'prefix' || op === 'suffix') && v === '') invalid('Null prefix/suffix not allowed');
    values.push(v);
  }
  onlyOneKey(arg, TOO_MANY_NUMERIC);
  let excluded: (s: string) => boolean;
  switch (op) {
    case 'equals-ignore-case': {
      const lowered = new Set(values.map((s) => s.toLowerCase()));
      excluded = (s) => lowered.has(s.toLowerCase());
      break;
    }
    case 'prefix':
      excluded = (s) => values.some((p) => s.startsWith(p));
      break;
    case 'suffix':
      excluded = (s) => values.some((p) => s.endsWith(p));
      break;
    default: {
      const matchers = values.map(compileWildcardChecked);
      excluded = (s) => matchers.some((m) => m(s));
    }
  }
  // Non-string values (numbers, null, booleans) are never excluded by a string operator.
  return (v) => typeof v !== 'string' || !excluded(v);
};

// ---------------------------------------------------------------------------------------
// Matching

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Event objects with dot-joined keys ({"a.b": 1}) are matched as if nested ({"a": {"b": 1}}),
 * as AWS does. The expanded view is built once per object and shared across rules.
 */
const expandedViews = new WeakMap<object, Record<string, unknown>>();

const viewOf = (obj: Record<string, unknown>): Record<string, unknown> => {
  const cached = expandedViews.get(obj);
  if (cached) return cached;
  let view = obj;
  for (const key in obj) {
    if (key.includes('.')) {
      view = expandDottedKeys(obj);
      break;
    }
  }
  expandedViews.set(obj, view);
  return view;
};

const expandDottedKeys = (obj: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = Object.create(null);
  const put = (target: Record<string, unknown>, segments: string[], value: unknown): void => {
    const [head, ...tail] = segments as [string, ...string[]];
    if (tail.length === 0) {
      target[head] = hasOwn.call(target, head) ? mergeValues(target[head], value) : value;
      return;
    }
    let child = target[head];
    if (!hasOwn.call(target, head)) {
      child = Object.create(null);
      target[head] = child;
    } else if (!isPlainObject(child) || Object.getPrototypeOf(child) !== null) {
      // A real value already sits here: keep both, arrays already mean "any of".
      const fresh: Record<string, unknown> = Object.create(null);
      put(fresh, tail, value);
      target[head] = mergeValues(child, fresh);
      return;
    }
    put(child as Record<string, unknown>, tail, value);
  };
  for (const key of Object.keys(obj)) put(out, key.split('.'), obj[key]);
  return out;
};

const mergeValues = (a: unknown, b: unknown): unknown[] => [
  ...(Array.isArray(a) ? a : [a]),
  ...(Array.isArray(b) ? b : [b]),
];

const matchObject = (node: ObjectNode, value: unknown): boolean => {
  if (Array.isArray(value)) {
    // Fields matched through an event array must all come from one element.
    for (const element of value) if (matchObject(node, element)) return true;
    return value.length === 0 ? matchObjectFields(node, undefined) : false;
  }
  return matchObjectFields(node, isPlainObject(value) ? viewOf(value) : undefined);
};

const matchObjectFields = (node: ObjectNode, obj: Record<string, unknown> | undefined): boolean => {
  for (const [key, child] of node.children) {
    const v = obj !== undefined && hasOwn.call(obj, key) ? obj[key] : undefined;
    if (!(child.kind === 'leaf' ? matchLeaf(child, v) : matchObject(child, v))) return false;
  }
  for (const group of node.orGroups) {
    let any = false;
    for (const alt of group) {
      if (matchObjectFields(alt, obj)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
};

const matchScalar = (leaf: LeafNode, v: Scalar): boolean => {
  if (typeof v === 'string') {
    if (leaf.strings?.has(v)) return true;
  } else if (typeof v === 'number') {
    if (leaf.numbers?.has(v)) return true;
  } else if (leaf.literals?.has(v)) {
    return true;
  }
  for (const p of leaf.predicates) if (p(v)) return true;
  return false;
};

const isScalar = (v: unknown): v is Scalar =>
  v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

const matchLeaf = (leaf: LeafNode, value: unknown): boolean => {
  if (isScalar(value)) return leaf.existsTrue || matchScalar(leaf, value);
  if (Array.isArray(value)) {
    let seen = false;
    const visit = (arr: unknown[]): boolean => {
      for (const el of arr) {
        if (isScalar(el)) {
          seen = true;
          if (leaf.existsTrue || matchScalar(leaf, el)) return true;
        } else if (Array.isArray(el) && visit(el)) {
          return true;
        }
      }
      return false;
    };
    if (visit(value)) return true;
    return !seen && leaf.existsFalse;
  }
  // Absent, or an object: no leaf value lives at this path.
  return leaf.existsFalse;
};
