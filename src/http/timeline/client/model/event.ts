/**
 * An event as the list route and the stream serve it (the fields the page reads), and how the
 * page reads its payload. Pure: no DOM, tested in Node.
 * @internal
 */
export interface TimelineEvent {
  readonly id: string;
  readonly type: string;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly sessionId: string | null;
  readonly agentId: string | null;
  readonly aggregateType: string | null;
  readonly aggregateId: string | null;
  readonly workflowId: string | null;
  readonly source: string | null;
  readonly errorCode: string | null;
  readonly toolName: string | null;
  readonly approvalStatus: string | null;
  readonly payload: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The value `name` names in a payload: a key spelt so (`gen_ai.usage.input_tokens` as one flat
 * key, as OpenTelemetry attributes are), else the path its dots spell through nested objects.
 */
export function lookup(payload: unknown, name: string): unknown {
  if (!isRecord(payload)) return undefined;
  if (Object.hasOwn(payload, name)) return payload[name];
  let value: unknown = payload;
  for (const part of name.split('.')) {
    if (!isRecord(value) || !Object.hasOwn(value, part)) return undefined;
    value = value[part];
  }
  return value;
}

/** The first of `names` that holds a string or a number, as text. */
export function textOf(payload: unknown, names: readonly string[]): string | null {
  for (const name of names) {
    const value = lookup(payload, name);
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return null;
}

/** The first of `names` that holds a finite number (or a numeric string). */
export function amountOf(payload: unknown, names: readonly string[]): number | null {
  for (const name of names) {
    const value = lookup(payload, name);
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n === 'number' && Number.isFinite(n)) return n;
  }
  return null;
}

export function isError(event: TimelineEvent): boolean {
  return (
    (event.errorCode !== null && event.errorCode !== undefined) ||
    String(event.type).toUpperCase() === 'ERROR'
  );
}

/** Time order, ties by id: the order of the list route's `order=asc`. */
export function byTime(a: TimelineEvent, b: TimelineEvent): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
