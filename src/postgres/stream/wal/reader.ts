/** One row inserted into a published table, values in Postgres' text format. @internal */
export interface WalInsert {
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly values: readonly (string | null)[];
}

/** One committed transaction, as the replication reader yields it. @internal */
export interface WalTransaction {
  readonly xid: number;
  readonly commitLsn: bigint;
  readonly endLsn: bigint;
  readonly inserts: readonly WalInsert[];
}

/** What the stream needs of a replication reader. @internal */
export interface WalSource {
  start(): Promise<void>;
  transactions(): AsyncIterable<WalTransaction>;
  confirm(lsn: bigint): void;
  close(): Promise<void>;
}
