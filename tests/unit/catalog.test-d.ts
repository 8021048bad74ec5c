/**
 * Compile-time checks of typed catalogs (run by `vitest` typecheck). Each `@ts-expect-error` line
 * must fail to compile; if it compiled, the directive itself would be an error.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineCatalog, EventLogger, type EventOf, event, MemorySink } from '../../src/index.js';
import { OutboxWriter } from '../../src/postgres/index.js';

const catalog = defineCatalog({
  TOOL_REQUEST: event<{ tool_name: string; risk_level: 'low' | 'medium' | 'high' }>(),
  stage_completed: event({ schema: z.object({ stage: z.string(), duration_ms: z.number() }) }),
});
const logger = new EventLogger({ sinks: [new MemorySink()], catalog });
const plain = new EventLogger({ sinks: [new MemorySink()] });

describe('typed catalogs', () => {
  it('accept the declared payloads', () => {
    void logger.logEvent({
      type: 'TOOL_REQUEST',
      userId: 'u',
      payload: { tool_name: 'search', risk_level: 'low' },
    });
    void logger.logEvent({
      type: 'stage_completed',
      userId: 'u',
      payload: { stage: 'parsing', duration_ms: 12 },
    });
    expectTypeOf<EventOf<typeof catalog>['type']>().toEqualTypeOf<
      'TOOL_REQUEST' | 'stage_completed'
    >();
  });

  it('reject wrong payloads and unknown types at compile time', () => {
    void logger.logEvent({
      type: 'TOOL_REQUEST',
      userId: 'u',
      // @ts-expect-error risk_level 'extreme' is not allowed
      payload: { tool_name: 'x', risk_level: 'extreme' },
    });
    // @ts-expect-error tool_name is missing
    void logger.logEvent({ type: 'TOOL_REQUEST', userId: 'u', payload: { risk_level: 'low' } });
    void logger.logEvent({
      type: 'stage_completed',
      userId: 'u',
      // @ts-expect-error duration_ms must be a number (from the zod schema)
      payload: { stage: 'x', duration_ms: '12' },
    });
    // @ts-expect-error not in the catalog
    void logger.logEvent({ type: 'NOT_DECLARED', userId: 'u', payload: {} });
  });

  it('leave a logger without a catalog open to any event', () => {
    void plain.logEvent({ type: 'ANYTHING', userId: 'u', payload: { free: 'form' } });
    expectTypeOf(plain.logEvent).parameter(0).toHaveProperty('type').toEqualTypeOf<string>();
  });

  it('bind the outbox writer the same way', () => {
    const outbox = new OutboxWriter({ catalog });
    const tx = {} as Parameters<typeof outbox.write>[0];
    void outbox.write(tx, {
      type: 'TOOL_REQUEST',
      userId: 'u',
      payload: { tool_name: 'x', risk_level: 'high' },
    });
    void outbox.write(tx, [
      { type: 'stage_completed', userId: 'u', payload: { stage: 'x', duration_ms: 1 } },
    ]);
    // @ts-expect-error not in the catalog
    void outbox.write(tx, [{ type: 'message_created', userId: 'u', payload: {} }]);
    void new OutboxWriter().write(tx, {
      type: 'message_created',
      userId: 'u',
      payload: { free: 1 },
    });
  });
});
