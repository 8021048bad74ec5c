/**
 * `npx eventrail replay --from … --to amqp://…|nats://… […]`: stored events published again to
 * RabbitMQ or NATS JetStream by `replay` (`eventrail/postgres`), its progress on stderr (a bar on
 * a terminal, else JSON lines) and its summary as one JSON line on stdout. Exits 2 for a bad
 * command line (naming the flag), 1 when the replay stops or cannot start (a named one resumes
 * with `--resume`), 0 when it is done. SIGINT and SIGTERM stop it after the batches in flight.
 */
import { CursorExpiredError, ValidationError } from '../errors.js';
import { ReplayError } from '../postgres/replay/errors.js';
import { replay } from '../postgres/replay/replay.js';
import type { Sink } from '../sinks/sink.js';
import { invocationOf } from './flags.js';
import { type ProgressOutput, ProgressReport } from './progress.js';
import { type Broker, REPLAY_USAGE, readReplayCommandLine, replayFlagOf } from './replay-flags.js';

/** Where the command writes: the summary (stdout) and the progress and messages (stderr). */
export interface ReplayIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: ProgressOutput;
}

/** The sink of `broker`, its driver loaded only now (the other commands need none). */
async function openSink(broker: Broker): Promise<Sink & { close(): Promise<unknown> }> {
  if (broker.kind === 'rabbitmq') {
    const { RabbitMQSink } = await import('../rabbitmq/index.js');
    return new RabbitMQSink({ url: broker.url, exchange: broker.exchange, name: 'replay' });
  }
  const { NatsSink } = await import('../nats/index.js');
  const { servers, stream, subjectPrefix } = broker;
  return new NatsSink({
    servers,
    stream: { name: stream },
    name: 'replay',
    ...(subjectPrefix !== undefined && { subjectPrefix }),
  });
}

/** Whether `error` stopped a replay that had begun (rather than refused to begin one). */
const stoppedMidway = (error: unknown) =>
  error instanceof ReplayError &&
  error.code !== 'REPLAY_CHECKPOINT_EXISTS' &&
  error.code !== 'REPLAY_BUSY';

/** Runs `eventrail replay` with `args` (those after `replay`); resolves with the exit code. */
export async function replayCommand(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: ReplayIo = process,
): Promise<number> {
  const invocation = invocationOf(() => readReplayCommandLine(args, env), REPLAY_USAGE, io);
  if (typeof invocation === 'number') return invocation;
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: invocation.url, max: 1 });
  const abort = new AbortController();
  const stop = () => abort.abort(new Error('interrupted by a signal'));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  const report = new ProgressReport(io.stderr);
  const started = performance.now();
  let sink: Awaited<ReturnType<typeof openSink>> | undefined;
  try {
    sink = await openSink(invocation.broker);
    const summary = await replay({
      ...invocation.options,
      db: pool,
      sink,
      signal: abort.signal,
      progress: report.update,
    });
    report.finish(true, summary.durationMs);
    io.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } catch (error) {
    const flag = error instanceof ValidationError ? replayFlagOf(error.field) : undefined;
    if (flag !== undefined) {
      io.stderr.write(`eventrail: --${flag}: ${(error as Error).message}\n`);
      return 2;
    }
    if (!(error instanceof ReplayError || error instanceof CursorExpiredError)) throw error;
    if (stoppedMidway(error)) report.finish(false, performance.now() - started);
    io.stderr.write(`eventrail: ${error.message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    await sink?.close();
    await pool.end();
  }
}
