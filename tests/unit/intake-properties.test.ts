/**
 * Property tests of intake (fast-check): whatever a caller passes, `logEvent` and
 * `OutboxWriter.write` either accept it and keep the snapshot taken at intake, or refuse it
 * with a ValidationError at once, with nothing queued or sent and neighbours unaffected. Never
 * another error, never a crash. Each property counts its runs; the counts are asserted so that
 * a property that stopped running fails. (Round trips through Postgres: the integration twin.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventLogger, MemorySink, normalizeEvent, ValidationError } from '../../src/index.js';
import { OutboxWriter } from '../../src/postgres/index.js';
import {
  anyValue,
  hostilePayload,
  jsonishPayload,
  nastyString,
  storable,
  stringsOf,
} from '../helpers/arbitraries.js';

const RUNS = 400;
const LIMITS = { maxPayloadBytes: 256 * 1024 };
const CODES = new Set([
  'VALIDATION_REQUIRED',
  'VALIDATION_TYPE',
  'VALIDATION_RANGE',
  'VALIDATION_NOT_JSON',
  'VALIDATION_BAD_STRING',
  'VALIDATION_TOO_LARGE',
  'VALIDATION_TOO_DEEP',
  'VALIDATION_UNREADABLE',
]);

/** The outcome of one call: accepted (with the record) or a ValidationError; anything else throws. */
function outcome<T>(call: () => T): { ok: true; value: T } | { ok: false; error: ValidationError } {
  try {
    return { ok: true, value: call() };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    expect(CODES.has(error.code)).toBe(true);
    return { ok: false, error };
  }
}

describe('intake properties', () => {
  it('JSON-ish payloads: accepted exactly when Postgres can store every string, snapshot exact', () => {
    const seen = { runs: 0, accepted: 0, refused: 0 };
    fc.assert(
      fc.property(jsonishPayload, (payload) => {
        seen.runs += 1;
        const result = outcome(() => normalizeEvent({ type: 'T', userId: 'u', payload }, LIMITS));
        expect(result.ok).toBe(stringsOf(payload).every(storable));
        if (!result.ok) {
          seen.refused += 1;
          expect(result.error.field).toMatch(/^payload/);
          expect(result.error.code).toBe('VALIDATION_BAD_STRING');
          return;
        }
        seen.accepted += 1;
        expect(JSON.parse(result.value.payloadJson)).toEqual(JSON.parse(JSON.stringify(payload)));
      }),
      { numRuns: RUNS },
    );
    expect(seen.runs).toBe(RUNS);
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('any JavaScript value as payload: a snapshot that later mutation cannot touch, or a ValidationError', () => {
    const seen = { runs: 0, accepted: 0, refused: 0 };
    fc.assert(
      fc.property(fc.dictionary(fc.string(), anyValue, { maxKeys: 4 }), (payload) => {
        seen.runs += 1;
        const result = outcome(() => normalizeEvent({ type: 'T', userId: 'u', payload }, LIMITS));
        if (!result.ok) {
          seen.refused += 1;
          expect(result.error.field).toMatch(/^payload/);
          return;
        }
        seen.accepted += 1;
        const snapshot = result.value.payloadJson;
        const parsed = JSON.parse(snapshot);
        expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
        for (const key of Object.keys(payload)) payload[key] = 'changed after intake';
        expect(result.value.payloadJson).toBe(snapshot);
      }),
      { numRuns: RUNS },
    );
    expect(seen.runs).toBe(RUNS);
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('hostile payloads through logEvent: ValidationError at once, nothing queued, the neighbour written', async () => {
    const runs: Record<string, number> = {};
    const sink = new MemorySink();
    const logger = new EventLogger({ sinks: [sink], fallback: null });
    let expected = 0;
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(hostilePayload, async (bad) => {
        runs[bad.kind] = (runs[bad.kind] ?? 0) + 1;
        const before = logger.metrics();
        let settled: unknown;
        const call = logger.logEvent({ type: 'T', userId: 'u', payload: bad.make() as object });
        // Refused synchronously: the counters moved before anything was awaited.
        const after = logger.metrics();
        const refused = after.rejected === before.rejected + 1;
        expect(refused || after.accepted === before.accepted + 1).toBe(true);
        await call.then(
          () => {
            settled = 'accepted';
          },
          (error) => {
            settled = error;
          },
        );
        seen[refused ? 'refused' : 'accepted'] += 1;
        if (refused) {
          expect(settled).toBeInstanceOf(ValidationError);
          expect((settled as ValidationError).field).toMatch(/^payload/);
          expect(CODES.has((settled as ValidationError).code)).toBe(true);
        } else {
          expect(settled).toBe('accepted');
          expected += 1;
        }
        await logger.logEvent({ type: 'NEIGHBOUR', userId: 'u' });
        expected += 1;
      }),
      { numRuns: RUNS },
    );
    await logger.close();
    expect(sink.events).toHaveLength(expected);
    expect(Object.values(runs).reduce((a, b) => a + b, 0)).toBe(RUNS);
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
    console.info(`hostile payload runs by kind: ${JSON.stringify(runs)}`);
  });

  it('hostile payloads through OutboxWriter.write: ValidationError before the transaction is touched', async () => {
    const runs: Record<string, number> = {};
    let statements = 0;
    const tx = {
      getTransactionStatus: () => 'T',
      query: async () => {
        statements += 1;
        return { rows: [], rowCount: 1 };
      },
    };
    const writer = new OutboxWriter();
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(hostilePayload, async (bad) => {
        runs[bad.kind] = (runs[bad.kind] ?? 0) + 1;
        const before = statements;
        const good = { type: 'GOOD', userId: 'u' };
        const result = await writer
          .write(tx, [good, { type: 'T', userId: 'u', payload: bad.make() as object }])
          .then(
            () => 'accepted',
            (error: unknown) => error,
          );
        seen[result === 'accepted' ? 'accepted' : 'refused'] += 1;
        if (result === 'accepted') {
          expect(statements).toBe(before + 1);
          return;
        }
        expect(result).toBeInstanceOf(ValidationError);
        expect((result as ValidationError).field).toMatch(/^\[1\]\.payload/);
        expect(statements).toBe(before); // all or none: the good event was not written either
      }),
      { numRuns: RUNS },
    );
    expect(Object.values(runs).reduce((a, b) => a + b, 0)).toBe(RUNS);
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('event fields: hostile strings, ids and dates are refused by field, never thrown raw', () => {
    const FIELDS = ['type', 'userId', 'projectId', 'sessionId', 'agentId', 'source'] as const;
    const fakeDate = fc.constant(Object.create(Date.prototype) as Date);
    const seen = { runs: 0, accepted: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc.record({
          strings: fc.tuple(...FIELDS.map(() => nastyString(8))),
          id: fc.option(fc.oneof(fc.uuid(), nastyString(36), anyValue), { nil: undefined }),
          occurredAt: fc.option(
            fc.oneof(
              fc.date(),
              fc.integer({ min: -9e15, max: 9e15 }),
              fc.string(),
              fakeDate,
              anyValue,
            ),
            { nil: undefined },
          ),
        }),
        ({ strings, id, occurredAt }) => {
          seen.runs += 1;
          const input: Record<string, unknown> = { id, occurredAt };
          FIELDS.forEach((field, i) => {
            input[field] = strings[i];
          });
          const result = outcome(() => normalizeEvent(input as never, LIMITS));
          if (!result.ok) {
            seen.refused += 1;
            expect(['id', 'occurredAt', ...FIELDS]).toContain(result.error.field);
            return;
          }
          seen.accepted += 1;
          const record = result.value;
          for (const field of FIELDS) expect(storable(String(record[field] ?? ''))).toBe(true);
          expect(record.type.length).toBeGreaterThan(0);
          expect(Number.isNaN(record.occurredAt.getTime())).toBe(false);
        },
      ),
      { numRuns: RUNS },
    );
    expect(seen.runs).toBe(RUNS);
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });
});
