import type pg from 'pg';
import { ClosedError, ValidationError } from '../../errors.js';
import { defineOptions } from '../../options/schema.js';
import { boolean, custom, text } from '../../options/spec.js';
import { WalError } from './errors.js';
import { formatLsn } from './lsn.js';
import { decodeFrame, decodePgoutput, standbyStatus, type WalRelation } from './pgoutput.js';
import { walErrorOf } from './server-errors.js';

/** A transactional logical message (`pg_logical_emit_message(true, prefix, content)`). */
export interface WalMessage {
  readonly prefix: string;
  readonly content: Buffer;
  readonly lsn: bigint;
}

/** A row inserted into a published table; values in Postgres' text format. */
export interface WalInsert {
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly values: readonly (string | null)[];
}

/** One committed transaction as the slot streams it: its messages and inserts, in WAL order. */
export interface WalTransaction {
  readonly xid: number;
  /** Where its commit record starts. */
  readonly commitLsn: bigint;
  /** Just past its commit record: what to confirm once it is handled. */
  readonly endLsn: bigint;
  readonly commitTime: Date;
  readonly messages: readonly WalMessage[];
  readonly inserts: readonly WalInsert[];
}

/**
 * Where a replication connection goes: a connection string, or the config of a `pg` Client
 * (`host`, `port`, `user`, `password`, `database`, `ssl`, ...). The connection is opened with
 * `replication: 'database'`.
 */
export type ReplicationConnection = string | { readonly [option: string]: unknown };

/** Options of {@link ReplicationReader}. */
export interface ReplicationReaderOptions {
  /**
   * The database to replicate from: a connection string or a `pg` client config. The reader opens
   * its own connection with `replication: 'database'`; the role needs `REPLICATION`.
   */
  readonly connection: ReplicationConnection;
  /** The logical replication slot (plugin `pgoutput`) to read; it must exist. */
  readonly slot: string;
  /** Publications whose row changes are streamed besides the messages (which need none). */
  readonly publications: readonly string[];
  /** Where to start; the server never goes back before the slot's confirmed position. @default the slot's confirmed position */
  readonly startLsn?: bigint;
  /**
   * Make the slot when starting, `TEMPORARY`, on the reader's own connection (the only one
   * that may read it): the server drops it when that connection ends, so a process that
   * crashes leaves no slot behind. Making it waits for every transaction already running that
   * wrote anything to end; it streams what commits after that.
   * @default false: the slot must exist
   */
  readonly temporary?: boolean;
}

/** Postgres' rule for slot names. */
const SLOT_NAME = /^[a-z0-9_]{1,63}$/;

/** The name of a replication slot. @internal */
export const slotSpec = () =>
  text({ pattern: SLOT_NAME, accepts: 'a slot name (a-z, 0-9 and _, at most 63 characters)' });

/** Where a replication connection goes. @internal */
export const connectionSpec = () =>
  custom<ReplicationConnection>('a connection string or a pg client config', (value, field) => {
    if (typeof value === 'string' && value.length > 0) return value;
    if (typeof value === 'object' && value !== null) return value as ReplicationConnection;
    throw new ValidationError(field, 'VALIDATION_TYPE', 'must be a connection string or config');
  });

const readerOptions = defineOptions<ReplicationReaderOptions>()('ReplicationReaderOptions', {
  connection: connectionSpec(),
  slot: slotSpec(),
  publications: custom('a non-empty array of publication names', (value, field) => {
    if (
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((p) => typeof p === 'string' && p.length > 0 && !p.includes('"'))
    ) {
      return value as readonly string[];
    }
    throw new ValidationError(field, 'VALIDATION_TYPE', 'must be a non-empty array of names');
  }),
  startLsn: custom('a bigint of at least 0', (value, field) => {
    if (typeof value === 'bigint' && value >= 0n) return value;
    throw new ValidationError(field, 'VALIDATION_RANGE', 'must be a bigint of at least 0');
  }).optional("the slot's confirmed position"),
  temporary: boolean().default(false),
});

/** Rows and messages queued before the connection is paused until the consumer catches up. */
const HIGH_WATER = 20_000;

/** A transaction whose Commit has not come yet. */
interface Open {
  readonly xid: number;
  readonly messages: WalMessage[];
  readonly inserts: WalInsert[];
}

/** The `pg` connection underneath a client: the events and writes of the protocol. */
interface Connection {
  on(event: 'copyData', listener: (msg: { chunk: Buffer }) => void): void;
  once(event: 'replicationStart', listener: () => void): void;
  sendCopyFromChunk(chunk: Buffer): void;
  readonly stream: { pause(): void; resume(): void };
}

/**
 * Reads a logical replication slot with the pgoutput plugin over `pg`'s replication protocol
 * and yields whole committed transactions in commit order. Confirms nothing on its own: the
 * server keeps the WAL from the last {@link ReplicationReader.confirm | confirmed} position,
 * and a reader started later begins there. Answers keepalives; while every transaction it
 * yielded is confirmed and none is under way, it also confirms the server's position, so that a
 * slot on a quiet publication does not hold back the WAL of the rest of the server.
 *
 * One reader at a time per slot: the server refuses a second one with a `WAL_SLOT_IN_USE`
 * {@link WalError}.
 */
export class ReplicationReader {
  readonly #options: ReturnType<typeof readerOptions.resolve>;
  #client: pg.Client | undefined;
  #connection: Connection | undefined;
  readonly #relations = new Map<number, WalRelation>();
  readonly #queue: WalTransaction[] = [];
  #queued = 0;
  #paused = false;
  #open: Open | undefined;
  #wake: (() => void) | undefined;
  #failure: WalError | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** End of the last transaction queued. */
  #received = 0n;
  /** What the server was last told is flushed. */
  #confirmed = 0n;
  /** The server's end of WAL, as last reported. */
  #serverLsn = 0n;

  constructor(options: ReplicationReaderOptions) {
    this.#options = readerOptions.resolve(options);
  }

  /** The position last confirmed to the server (0 before the first). */
  get confirmedLsn(): bigint {
    return this.#confirmed;
  }

  /** The server's end of WAL as it last reported it (0 before it did). */
  get serverLsn(): bigint {
    return this.#serverLsn;
  }

  /**
   * Opens the replication connection and starts streaming from the slot. Rejects with a
   * {@link WalError}: `WAL_SLOT_IN_USE` when another connection reads the slot,
   * `WAL_SLOT_MISSING`, `WAL_SLOT_INVALIDATED`, `WAL_PRIVILEGE`, or `WAL_REPLICATION`.
   */
  async start(): Promise<void> {
    if (this.#closed) throw new ClosedError('ReplicationReader');
    if (this.#client) throw new WalError('WAL_REPLICATION', 'the reader was started already');
    const { default: pg } = await import('pg');
    const given = this.#options.connection;
    const config = typeof given === 'string' ? { connectionString: given } : given;
    // `replication` is a startup parameter `pg` passes on, missing from its types.
    const client = new pg.Client({ ...config, replication: 'database' } as pg.ClientConfig);
    this.#client = client;
    client.on('error', (error) =>
      this.#fail(walErrorOf(error, 'the replication connection failed')),
    );
    try {
      await client.connect();
    } catch (error) {
      await this.#end();
      throw walErrorOf(error, 'could not open the replication connection');
    }
    if (this.#options.temporary) {
      try {
        await client.query(
          `CREATE_REPLICATION_SLOT "${this.#options.slot}" TEMPORARY LOGICAL pgoutput NOEXPORT_SNAPSHOT`,
        );
      } catch (error) {
        await this.#end();
        throw walErrorOf(error, `could not make the slot ${this.#options.slot}`);
      }
    }
    const connection = (client as unknown as { connection: Connection }).connection;
    this.#connection = connection;
    connection.on('copyData', (msg) => this.#onCopyData(msg.chunk));
    try {
      await new Promise<void>((resolve, reject) => {
        connection.once('replicationStart', resolve);
        client.query(this.#startSql()).then(
          () => {
            this.#fail(new WalError('WAL_REPLICATION', 'the server ended the replication'));
            resolve();
          },
          (error: unknown) => {
            const failure = walErrorOf(error, `could not read the slot ${this.#options.slot}`);
            this.#fail(failure);
            reject(failure);
          },
        );
      });
    } catch (error) {
      await this.#end();
      throw error;
    }
  }

  #startSql(): string {
    const o = this.#options;
    const publications = o.publications.map((p) => `"${p}"`).join(',');
    return `START_REPLICATION SLOT "${o.slot}" LOGICAL ${formatLsn(o.startLsn ?? 0n)} (proto_version '1', publication_names '${publications.replaceAll("'", "''")}', messages 'true')`;
  }

  /**
   * Whole committed transactions, in commit order, as they arrive. Ends when the reader is
   * closed; throws the {@link WalError} that ended the connection. One consumer at a time.
   */
  async *transactions(): AsyncIterable<WalTransaction> {
    for (;;) {
      const tx = this.#queue.shift();
      if (tx) {
        this.#queued -= tx.messages.length + tx.inserts.length + 1;
        if (this.#paused && this.#queued < HIGH_WATER / 2) {
          this.#paused = false;
          this.#connection?.stream.resume();
        }
        yield tx;
        continue;
      }
      if (this.#closed) return;
      if (this.#failure) throw this.#failure;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /**
   * Tells the server that everything up to `lsn` (a transaction's `endLsn`) is handled
   * (written, flushed and applied): it may recycle that WAL, and the slot restarts there.
   * A position at or behind the last confirmed one is ignored.
   */
  confirm(lsn: bigint): void {
    if (lsn <= this.#confirmed) return;
    this.#confirmed = lsn;
    this.#sendStatus();
  }

  /** Confirms nothing more, ends the connection; `transactions()` then ends. Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#end();
    return this.#closing;
  }

  async #end(): Promise<void> {
    this.#wakeConsumer();
    const client = this.#client;
    if (!client) return;
    this.#connection?.stream.resume();
    await client.end().catch(() => {});
  }

  #sendStatus(): void {
    if (this.#failure || !this.#connection) return;
    this.#connection.sendCopyFromChunk(standbyStatus(this.#confirmed));
  }

  #fail(error: WalError): void {
    if (this.#failure || this.#closed) return;
    this.#failure = error;
    this.#wakeConsumer();
    void this.#client?.end().catch(() => {});
  }

  #wakeConsumer(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #onCopyData(chunk: Buffer): void {
    try {
      const frame = decodeFrame(chunk);
      if (!frame) return;
      if (frame.walEnd > this.#serverLsn) this.#serverLsn = frame.walEnd;
      if (frame.kind === 'data') this.#onMessage(frame.body);
      else this.#onKeepalive(frame.walEnd, frame.replyNow);
    } catch (error) {
      this.#fail(walErrorOf(error, 'could not decode the replication stream'));
    }
  }

  #onKeepalive(walEnd: bigint, replyNow: boolean): void {
    const idle = !this.#open && this.#queue.length === 0 && this.#confirmed >= this.#received;
    if (idle && walEnd > this.#confirmed) {
      this.#confirmed = walEnd;
      this.#sendStatus();
    } else if (replyNow) {
      this.#sendStatus();
    }
  }

  #onMessage(body: Buffer): void {
    const m = decodePgoutput(body);
    switch (m.kind) {
      case 'begin':
        this.#open = { xid: m.xid, messages: [], inserts: [] };
        return;
      case 'message':
        if (m.transactional && this.#open) {
          this.#open.messages.push({ prefix: m.prefix, content: m.content, lsn: m.lsn });
        }
        return;
      case 'relation':
        this.#relations.set(m.oid, { schema: m.schema, table: m.table, columns: m.columns });
        return;
      case 'insert': {
        const relation = this.#relations.get(m.oid);
        if (!relation)
          throw new WalError('WAL_REPLICATION', `insert into unknown relation ${m.oid}`);
        this.#open?.inserts.push({ ...relation, values: m.values });
        return;
      }
      case 'commit':
        this.#commit(m.commitLsn, m.endLsn, m.commitTime);
        return;
      default:
        return;
    }
  }

  #commit(commitLsn: bigint, endLsn: bigint, commitTime: Date): void {
    const open = this.#open;
    this.#open = undefined;
    if (!open) throw new WalError('WAL_REPLICATION', 'a commit without its begin');
    const { xid, messages, inserts } = open;
    this.#queue.push({ xid, commitLsn, endLsn, commitTime, messages, inserts });
    this.#received = endLsn;
    this.#queued += messages.length + inserts.length + 1;
    if (!this.#paused && this.#queued >= HIGH_WATER) {
      this.#paused = true;
      this.#connection?.stream.pause();
    }
    this.#wakeConsumer();
  }
}
