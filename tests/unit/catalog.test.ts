import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  defineCatalog,
  EventLogger,
  event,
  MemorySink,
  type StandardSchema,
  ValidationError,
} from '../../src/index.js';

const riskAlert = z.object({
  bom_id: z.string(),
  severity: z.enum(['critical', 'high', 'medium']),
  risk_score: z.number().min(0).max(100),
  factors: z.array(z.object({ name: z.string(), weight: z.number() })).default([]),
});

const catalog = defineCatalog({
  processing_started: event<{ bom_id: string; total_items: number }>({
    routingKey: 'cns.processing.started',
    priority: 7,
  }),
  risk_alert: event({
    schema: riskAlert,
    routingKey: (p) => `cns.risk.alert.${p.severity}`,
    priority: (p) => (p.severity === 'critical' ? 8 : 7),
  }),
});

function setup() {
  const sink = new MemorySink();
  const logger = new EventLogger({ sinks: [sink], fallback: null, catalog });
  return { sink, logger };
}

describe('event catalogs', () => {
  it('fills routing key and priority from the catalog, and keeps the schema output as payload', async () => {
    const { sink, logger } = setup();
    await logger.logEvent({
      type: 'processing_started',
      userId: 'u',
      payload: { bom_id: 'b1', total_items: 3 },
    });
    await logger.logEvent({
      type: 'risk_alert',
      userId: 'u',
      payload: { bom_id: 'b1', severity: 'critical', risk_score: 91 },
    });
    await logger.logEvent({
      type: 'risk_alert',
      userId: 'u',
      routingKey: 'custom.key',
      priority: 1,
      payload: { bom_id: 'b1', severity: 'high', risk_score: 50 },
    });
    await logger.close();
    expect(sink.events.map((e) => [e.routingKey, e.priority])).toEqual([
      ['cns.processing.started', 7],
      ['cns.risk.alert.critical', 8],
      ['custom.key', 1],
    ]);
    // zod filled the default.
    expect(JSON.parse(sink.events[1]!.payloadJson).factors).toEqual([]);
  });

  it('refuses a payload that does not match the schema, naming the field', async () => {
    const { sink, logger } = setup();
    const error = await logger
      .logEvent({
        type: 'risk_alert',
        userId: 'u',
        payload: { bom_id: 'b', severity: 'high', risk_score: 150 },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: 'payload.risk_score', code: 'VALIDATION_SCHEMA' });
    const nested = await logger
      .logEvent({
        type: 'risk_alert',
        userId: 'u',
        payload: {
          bom_id: 'b',
          severity: 'high',
          risk_score: 1,
          factors: [{ name: 'x', weight: 'heavy' as never }],
        },
      })
      .catch((e: unknown) => e);
    expect(nested).toMatchObject({ field: 'payload.factors[0].weight' });
    await logger.close();
    expect(sink.events).toHaveLength(0);
    expect(logger.metrics().rejected).toBe(2);
  });

  it('refuses types that are not in the catalog', async () => {
    const { logger } = setup();
    await expect(
      logger.logEvent({ type: 'unknown' as never, userId: 'u', payload: {} as never }),
    ).rejects.toMatchObject({
      field: 'type',
      code: 'VALIDATION_RANGE',
    });
    await logger.close();
  });

  it('names the index in logEvents and queues none when one is bad', async () => {
    const { sink, logger } = setup();
    const error = await logger
      .logEvents([
        { type: 'processing_started', userId: 'u', payload: { bom_id: 'b', total_items: 1 } },
        {
          type: 'risk_alert',
          userId: 'u',
          payload: { bom_id: 'b', severity: 'low' as never, risk_score: 1 },
        },
      ])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ field: '[1].payload.severity', code: 'VALIDATION_SCHEMA' });
    await logger.close();
    expect(sink.events).toHaveLength(0);
  });

  it('waits for an asynchronous schema', async () => {
    const asyncSchema: StandardSchema<{ n: number }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async (value) => {
          await new Promise((r) => setTimeout(r, 5));
          const n = (value as { n?: unknown }).n;
          return typeof n === 'number'
            ? { value: { n: n * 2 } }
            : { issues: [{ message: 'n must be a number', path: [{ key: 'n' }] }] };
        },
      },
    };
    const sink = new MemorySink();
    const logger = new EventLogger({
      sinks: [sink],
      fallback: null,
      catalog: defineCatalog({ doubled: event({ schema: asyncSchema }) }),
    });
    await logger.logEvent({ type: 'doubled', userId: 'u', payload: { n: 21 } });
    await expect(
      logger.logEvent({ type: 'doubled', userId: 'u', payload: { n: 'x' as never } }),
    ).rejects.toMatchObject({
      field: 'payload.n',
    });
    await logger.close();
    expect(sink.events.map((e) => e.payload)).toEqual([{ n: 42 }]);
  });
});
