import type { Session } from '../driver/types.js';
import type { StreamPosition } from '../read/position.js';
import type { ConsumerSql, PartitionRow } from '../sql/consumer.js';

/** Who this member is in its group, and how long its leases last. @internal */
export interface MemberIdentity {
  readonly consumer: string;
  readonly member: string;
  readonly partitions: number;
  readonly leaseMs: number;
}

/**
 * One member's share of a consumer group: the partitions it holds (each with its checkpoint as
 * the member last saw it), renewed by {@link Group.beat}. A member takes free or expired
 * partitions up to its fair share (`ceil(partitions / live members)`), and gives back what is
 * above it, between batches ({@link Group.shed}). @internal
 */
export class Group {
  /** The partitions held, by number, with their checkpoints. */
  readonly owned = new Map<number, StreamPosition>();
  readonly #sql: ConsumerSql;
  readonly #who: MemberIdentity;
  #share: number;
  /** Bumped when the member forgets partitions, so a beat that ran meanwhile adds none back. */
  #forgot = 0;

  constructor(sql: ConsumerSql, who: MemberIdentity) {
    this.#sql = sql;
    this.#who = who;
    this.#share = who.partitions;
  }

  /** The partitions this member should hold at most, as of the last beat. */
  get share(): number {
    return this.#share;
  }

  /**
   * Says this member is alive, renews its leases (forgetting those another member took, and
   * taking back, with their stored checkpoints, those it still holds in the database but had
   * forgotten), recomputes its share and takes free partitions up to it. Returns the
   * partitions taken.
   */
  async beat(db: Session): Promise<number[]> {
    const { consumer, member, leaseMs, partitions } = this.#who;
    const { rows } = await db.query<{ live: number }>(this.#sql.heartbeat, [
      consumer,
      member,
      leaseMs,
    ]);
    this.#share = Math.ceil(partitions / Math.max(1, rows[0]?.live ?? 1));
    const forgot = this.#forgot;
    const renewed = await db.query<PartitionRow>(this.#sql.renew, [consumer, member, leaseMs]);
    const still = new Set(renewed.rows.map((r) => r.partition));
    for (const partition of this.owned.keys())
      if (!still.has(partition)) this.owned.delete(partition);
    const back =
      forgot === this.#forgot ? renewed.rows.filter((r) => !this.owned.has(r.partition)) : [];
    for (const row of back) this.owned.set(row.partition, { tx: row.tx, id: row.id });
    return [...back.map((r) => r.partition), ...(await this.claim(db))];
  }

  /** Takes free or expired partitions up to the share; returns them. */
  async claim(db: Session): Promise<number[]> {
    const wanted = this.#share - this.owned.size;
    if (wanted <= 0) return [];
    const { consumer, member, leaseMs } = this.#who;
    const { rows } = await db.query<PartitionRow>(this.#sql.claim, [
      consumer,
      member,
      leaseMs,
      wanted,
    ]);
    for (const row of rows) this.owned.set(row.partition, { tx: row.tx, id: row.id });
    return rows.map((r) => r.partition);
  }

  /** Gives back the partitions above the share (the highest numbers); returns them. */
  async shed(db: Session): Promise<number[]> {
    const extra = this.owned.size - this.#share;
    if (extra <= 0) return [];
    const given = [...this.owned.keys()].sort((a, b) => b - a).slice(0, extra);
    return this.release(db, given);
  }

  /** Gives back `partitions` (every one held when undefined); returns those given back. */
  async release(db: Session, partitions?: readonly number[]): Promise<number[]> {
    const { consumer, member } = this.#who;
    const { rows } = await db.query<PartitionRow>(this.#sql.release, [
      consumer,
      member,
      partitions ?? null,
    ]);
    this.#forgot += 1;
    for (const row of rows) this.owned.delete(row.partition);
    if (partitions === undefined) this.owned.clear();
    return rows.map((r) => r.partition);
  }

  /**
   * Reloads the partitions held (`partitions`, or every one when undefined) and their
   * checkpoints as stored: after an error, or a fence that moved nothing. Forgets those no
   * longer held.
   */
  async reload(db: Session, partitions?: readonly number[]): Promise<void> {
    const { consumer, member } = this.#who;
    const { rows } = await db.query<PartitionRow>(this.#sql.held, [
      consumer,
      member,
      partitions ?? null,
    ]);
    this.#forgot += 1;
    for (const partition of partitions ?? [...this.owned.keys()]) this.owned.delete(partition);
    for (const row of rows) this.owned.set(row.partition, { tx: row.tx, id: row.id });
  }

  /**
   * Forgets partition `partition` (its fence found its lease lost): the next beat takes it
   * back, with its stored checkpoint, if no other member took its row meanwhile.
   */
  lost(partition: number): void {
    this.#forgot += 1;
    this.owned.delete(partition);
  }

  /** Partition `partition`'s checkpoint moved to `at` (a batch committed), if it is held. */
  moved(partition: number, at: StreamPosition): void {
    if (this.owned.has(partition)) this.owned.set(partition, at);
  }
}
