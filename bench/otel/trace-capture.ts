/**
 * What capturing trace context costs per accepted event: the hook the logger's normalization
 * (`toEventRecord`, `normalizeEvent` with its options resolved once) calls, with no tracing
 * integration installed (the core alone), with `enableTraceContext()` but no active span, and
 * with an active span (real SDK, AsyncLocalStorage context). Goal: ≤ 0.1 µs for the first two.
 * Also `toEventRecord` itself with and without the integration, same run.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { toEventRecord } from '../../src/event/normalize.js';
import { captureTrace } from '../../src/event/trace.js';
import { enableTraceContext } from '../../src/otel/index.js';
import { median, report } from '../lib/report.js';

const CALLS = 1_000_000;
const ROUNDS = 15;
const LIMITS = { maxPayloadBytes: 262_144 };
const EVENT = { type: 'TASK_PROGRESS', userId: 'user-1', sessionId: 's-1', payload: { p: 42 } };

/** Microseconds per call of `loop` (which makes CALLS calls), median over ROUNDS rounds. */
function perCall(loop: () => number): number {
  const rounds: number[] = [];
  let kept = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    kept += loop();
    rounds.push(((performance.now() - started) * 1000) / CALLS);
  }
  if (kept < 0) throw new Error('unreachable: keeps the calls from being optimized away');
  return median(rounds);
}

// One loop per function, so each call site sees one callee, as toEventRecord's does.
function captureLoop(): number {
  let kept = 0;
  for (let i = 0; i < CALLS; i++) if (captureTrace() !== undefined) kept += 1;
  return kept;
}

function normalizeLoop(): number {
  let kept = 0;
  for (let i = 0; i < CALLS; i++) if (toEventRecord(EVENT, LIMITS).traceId !== null) kept += 1;
  return kept;
}

export async function traceCaptureCost(): Promise<void> {
  const note = `median of ${ROUNDS} rounds of ${CALLS.toLocaleString('en')} calls`;
  const bare = perCall(captureLoop);
  const bareNormalize = perCall(normalizeLoop);
  report({ scenario: 'trace-capture-no-otel', unit: 'us/event', value: bare, goalUs: 0.1, note });

  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  const provider = new BasicTracerProvider();
  const tracing = enableTraceContext({ tracerProvider: provider });
  try {
    const noSpan = perCall(captureLoop);
    const noSpanNormalize = perCall(normalizeLoop);
    report({
      scenario: 'trace-capture-no-span',
      unit: 'us/event',
      value: noSpan,
      goalUs: 0.1,
      normalizeUs: noSpanNormalize,
      normalizeWithoutOtelUs: bareNormalize,
      note: `${note}; normalizeUs: toEventRecord with the integration, same run`,
    });
    const span = provider.getTracer('bench').startSpan('request');
    const withSpan = context.with(trace.setSpan(context.active(), span), () => ({
      capture: perCall(captureLoop),
      normalize: perCall(normalizeLoop),
    }));
    span.end();
    report({
      scenario: 'trace-capture-active-span',
      unit: 'us/event',
      value: withSpan.capture,
      normalizeUs: withSpan.normalize,
      note,
    });
  } finally {
    tracing.disable();
    context.disable();
    await provider.shutdown();
  }
}
