/**
 * The options of the Postgres parts that need no connection to be made (PostgresSink, Inbox,
 * OutboxAdmin, OutboxWriter): refused when missing, misspelt or of the wrong type, each with a
 * ValidationError naming the field, never a TypeError.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import {
  DEFAULT_INBOX_OPTIONS,
  Inbox,
  OutboxAdmin,
  OutboxWriter,
  PostgresSink,
} from '../../src/postgres/index.js';

/** Enough of a database for construction, which never touches it. */
const db = { query: async () => ({ rows: [] }) };

type Make = (options?: unknown) => unknown;
const parts: Record<string, Make> = {
  PostgresSink: (o) => new PostgresSink(o as never),
  Inbox: (o) => new Inbox(o as never),
  OutboxAdmin: (o) => new OutboxAdmin(o as never),
  OutboxWriter: (o) => new OutboxWriter(o as never),
};

const unknown = (field: string, closest: string) => ({
  field,
  code: 'VALIDATION_UNKNOWN',
  message: expect.stringContaining(`did you mean '${closest}'?`),
});
const missing = { field: 'options', code: 'VALIDATION_REQUIRED' };

const refused: [string, unknown, Record<string, unknown>][] = [
  ['PostgresSink', { db, nmae: 'x' }, unknown('options.nmae', 'name')],
  ['Inbox', { db, consumr: 'billing' }, unknown('options.consumr', 'consumer')],
  ['OutboxAdmin', { db, schemaName: 'x' }, unknown('options.schemaName', 'schema')],
  ['OutboxWriter', { maxPayloadByte: 10 }, unknown('options.maxPayloadByte', 'maxPayloadBytes')],
  ['PostgresSink', undefined, missing],
  ['OutboxAdmin', undefined, missing],
  ['PostgresSink', { db: 'postgres://x' }, { field: 'options.db' }],
  ['PostgresSink', { db, name: 42 }, { field: 'options.name' }],
  ['PostgresSink', { db, schema: 'a;b' }, { field: 'options.schema' }],
  ['Inbox', { db: {} }, { field: 'options.db' }],
  ['Inbox', { consumer: 7 }, { field: 'options.consumer' }],
  ['OutboxAdmin', { db: null }, { field: 'options.db' }],
  ['Inbox', [], { field: 'options', code: 'VALIDATION_TYPE' }],
  ['PostgresSink', 'postgres://x', { field: 'options', code: 'VALIDATION_TYPE' }],
];

describe('options of the Postgres parts', () => {
  it.each(refused)(
    '%s refuses %j with a ValidationError naming the field',
    (part, options, fields) => {
      const make = () => parts[part]?.(options);
      expect(make).toThrowError(ValidationError);
      expect(make).toThrowError(expect.objectContaining(fields));
    },
  );

  it('needs no options where every one has a default', () => {
    expect(new Inbox().consumer).toBe(DEFAULT_INBOX_OPTIONS.consumer);
    expect(DEFAULT_INBOX_OPTIONS).toEqual({ schema: 'eventrail', consumer: 'default' });
    expect(new OutboxWriter()).toBeInstanceOf(OutboxWriter);
    expect(new PostgresSink({ db }).name).toBe('postgres');
  });

  it('Inbox.metrics() is synchronous and starts at zero', () => {
    const metrics = new Inbox().metrics();
    expect(metrics).not.toBeInstanceOf(Promise);
    expect(metrics).toEqual({ handled: 0, duplicates: 0 });
  });
});
