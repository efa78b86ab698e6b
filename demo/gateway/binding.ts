/**
 * gin's ShouldBindJSON, as the real gateway's handlers use it: decode the JSON body into the
 * handler's struct (Go's type errors), then check the `binding` tags (validator's messages), so a
 * bad body gets the same 400 {"error": "..."} here as on the real gateway.
 */
import { bindingError, type FieldRule } from '../../k6/lib/contract.ts';
import { ApiError } from './errors.ts';

export type Bound = Record<string, string | number>;

const jsonKind = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value === 'boolean' ? 'bool' : typeof value === 'number' ? `number ${value}` : typeof value;

function decode(rule: FieldRule, value: unknown): string | number {
  const typeError = (): ApiError => new ApiError(400, `json: cannot unmarshal ${jsonKind(value)} into Go struct field .${rule.json} of type ${rule.goType}`);
  // JSON null leaves Go's zero value.
  if (value === undefined || value === null) return rule.goType === 'string' ? '' : 0;
  if (rule.goType === 'string') {
    if (typeof value !== 'string') throw typeError();
    return value;
  }
  if (typeof value !== 'number') throw typeError();
  if (rule.goType === 'int32' && (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31)) throw typeError();
  return value;
}

function violated(rule: FieldRule, value: string | number): string | undefined {
  for (const tag of rule.binding) {
    if (tag === 'required' && (value === '' || value === 0)) return 'required';
    const min = /^min=(-?\d+(?:\.\d+)?)$/.exec(tag);
    if (min) {
      const size = typeof value === 'string' ? value.length : value;
      if (size < Number(min[1])) return tag.split('=')[0];
    }
  }
  return undefined;
}

/** The body's fields by JSON name, or ApiError 400 with gin's message. */
export function bindJson(body: unknown, rules: readonly FieldRule[]): Bound {
  if (body === undefined) throw new ApiError(400, 'EOF');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, `json: cannot unmarshal ${jsonKind(body)} into Go value of type struct`);
  }
  const source = body as Record<string, unknown>;
  const bound: Bound = {};
  for (const rule of rules) bound[rule.json] = decode(rule, source[rule.json]);
  const failures = rules.flatMap((rule) => {
    const tag = violated(rule, bound[rule.json] ?? '');
    return tag ? [bindingError(rule, tag)] : [];
  });
  if (failures.length > 0) throw new ApiError(400, failures.join('\n'));
  return bound;
}

export const str = (bound: Bound, key: string): string => String(bound[key] ?? '');
export const num = (bound: Bound, key: string): number => Number(bound[key] ?? 0);
