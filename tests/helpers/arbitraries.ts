/**
 * fast-check arbitraries for hostile input: strings Postgres refuses, JSON-ish values, values
 * JSON cannot hold, and objects that fight being read (throwing getters, toJSON, proxies, deep
 * nesting, huge strings). Shared by the unit and integration property tests.
 */
import fc from 'fast-check';

/** Characters that break naive handling: \u0000, lone surrogates, a pair, escapes, quotes. */
const NASTY_UNITS = ['\u0000', '\ud800', '\udfff', '\ud83d\ude00', '\\', '"', '\\u0000', '\n', 'é'];

/** Any string, often with characters Postgres refuses (\u0000, lone surrogates). */
export const nastyString = (maxLength = 12) =>
  fc.string({
    unit: fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
      { weight: 1, arbitrary: fc.constantFrom(...NASTY_UNITS) },
    ),
    maxLength,
  });

/** Whether Postgres can store the string (text and jsonb alike). */
export const storable = (s: string) => !s.includes('\u0000') && s.isWellFormed();

/** JSON values whose keys and strings may be nasty. */
export const jsonish = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    nastyString(),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(nastyString(6), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** A JSON-ish payload: a dictionary at the top. */
export const jsonishPayload = fc.dictionary(nastyString(6), jsonish, { maxKeys: 6 });

/** Every string in a value, keys included. */
export function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsOf(v, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      stringsOf(v, out);
    }
  }
  return out;
}

/** Anything JavaScript has: BigInt, Map, Set, typed arrays, boxed values, sparse arrays, Dates. */
export const anyValue = fc.anything({
  maxDepth: 4,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withObjectString: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
});

const thrown = fc.constantFrom<() => unknown>(
  () => new Error('boom'),
  () => 'a string',
  () => undefined,
  () => new RangeError('Maximum call stack size exceeded'),
  () => Object.create(null),
);

/** A value that fights being read, and the name of its kind (for the run counts). */
export type Hostile = { readonly kind: string; readonly make: () => unknown };

function nest(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

/** One hostile value of each kind; `make` builds a fresh one (getters keep state). */
export const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  thrown.map((error) => ({
    kind: 'getter that throws',
    make: () => ({
      get x() {
        throw error();
      },
    }),
  })),
  anyValue.map((answer) => ({
    kind: 'getter that answers anything',
    make: () => ({
      get x() {
        return answer;
      },
    }),
  })),
  fc.tuple(jsonish, anyValue).map(([a, b]) => ({
    kind: 'getter that answers differently each read',
    make: () => {
      let reads = 0;
      return {
        get x() {
          reads += 1;
          return reads % 2 === 1 ? a : b;
        },
      };
    },
  })),
  thrown.map((error) => ({
    kind: 'toJSON that throws',
    make: () =>
      new (class Thrower {
        toJSON() {
          throw error();
        }
      })(),
  })),
  anyValue.map((answer) => ({
    kind: 'toJSON that answers anything',
    make: () =>
      new (class Answerer {
        toJSON() {
          return answer;
        }
      })(),
  })),
  fc
    .tuple(
      fc.constantFrom('get', 'ownKeys', 'getPrototypeOf', 'getOwnPropertyDescriptor', 'has'),
      thrown,
    )
    .map(([trap, error]) => ({
      kind: 'proxy with a throwing trap',
      make: () =>
        new Proxy(
          { a: 1, b: [2] },
          {
            [trap]: () => {
              throw error();
            },
          },
        ),
    })),
  fc.constant({
    kind: 'revoked proxy',
    make: () => {
      const { proxy, revoke } = Proxy.revocable({ a: 1 }, {});
      revoke();
      return proxy;
    },
  }),
  fc.tuple(fc.integer({ min: 990, max: 20_000 }), fc.boolean()).map(([depth, asArray]) => ({
    kind: 'deep nesting',
    make: () => nest(depth, 1, asArray),
  })),
  fc.integer({ min: 1, max: 4 }).map((times) => ({
    kind: 'huge string',
    make: () => 'x'.repeat(times * 300_000),
  })),
  anyValue.map((value) => ({ kind: 'exotic value', make: () => value })),
  fc.constant({
    kind: 'cycle',
    make: () => {
      const a: Record<string, unknown> = { b: [1] };
      (a.b as unknown[]).push(a);
      return a;
    },
  }),
);

/** A JSON-ish payload with one hostile value put somewhere inside it. */
export const hostilePayload = fc
  .tuple(jsonishPayload, hostile, fc.array(nastyString(4), { maxLength: 3 }))
  .map(([base, bad, path]) => ({
    kind: bad.kind,
    make: () => {
      const root: Record<string, unknown> = { ...base };
      let at = root;
      for (const key of path) {
        const next: Record<string, unknown> = {};
        at[key] = next;
        at = next;
      }
      at.hostile = bad.make();
      return root;
    },
  }));
