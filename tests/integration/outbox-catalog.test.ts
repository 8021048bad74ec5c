/** A catalog-bound OutboxWriter checks payloads against their schemas inside the caller's transaction. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCatalog, event, ValidationError } from '../../src/index.js';
import { OutboxWriter } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase();

const catalog = defineCatalog({
  approval_resolved: event({
    schema: z.object({
      approval_id: z.string(),
      approval_status: z.enum(['approved', 'rejected']),
    }),
    routingKey: (p) => `approvals.${p.approval_status}`,
    priority: 6,
  }),
});

describe('OutboxWriter with a catalog', () => {
  it('writes valid events with the catalog routing, and refuses a bad payload before touching the transaction', async () => {
    const outbox = new OutboxWriter({ catalog });
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const id = await outbox.write(client, {
        type: 'approval_resolved',
        userId: 'u',
        payload: { approval_id: 'a1', approval_status: 'approved' },
      });
      const error = await outbox
        .write(client, [
          {
            type: 'approval_resolved',
            userId: 'u',
            payload: { approval_id: 'a2', approval_status: 'approved' },
          },
          {
            type: 'approval_resolved',
            userId: 'u',
            payload: { approval_id: 'a3', approval_status: 'maybe' as never },
          },
        ])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({
        field: '[1].payload.approval_status',
        code: 'VALIDATION_SCHEMA',
      });
      // The transaction is still usable: nothing was sent for the refused list.
      await client.query('COMMIT');
      const { rows } = await db.pool.query(
        'SELECT id, routing_key, priority, payload FROM eventrail.event_outbox ORDER BY created_at',
      );
      expect(rows).toEqual([
        {
          id,
          routing_key: 'approvals.approved',
          priority: 6,
          payload: { approval_id: 'a1', approval_status: 'approved' },
        },
      ]);
    } finally {
      client.release();
    }
  });
});
