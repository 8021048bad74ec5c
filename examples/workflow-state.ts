/**
 * `npx tsx examples/workflow-state.ts`: the state of one BOM's enrichment workflow (seed 004)
 * rebuilt from its events, then kept current as new ones commit. A subscription from `'start'`
 * reads the BOM's whole history in commit order; its `caught-up` marker says the state now
 * reflects every event that existed when it started; what follows is live. Nothing but the
 * events is stored: a restart rebuilds the same state.
 *
 * DATABASE_URL selects the database (embedded PGlite when unset).
 */
import { EventLogger, type EventRecord } from 'eventrail';
import { EventStream, migrate, PostgresSink } from 'eventrail/postgres';
import { cnsCatalog } from './catalogs/cns-enrichment.js';
import { openExampleDatabase } from './lib/database.js';

/** What the workflow of one BOM looks like, folded from its events. */
interface WorkflowState {
  status: 'new' | 'running' | 'paused' | 'failed';
  stage: string | null;
  totalItems: number;
  /** Items by outcome: matched, no_match, cached, error. */
  items: Record<string, number>;
  completedStages: string[];
  criticalRisks: string[];
  events: number;
}

const initial = (): WorkflowState => ({
  status: 'new',
  stage: null,
  totalItems: 0,
  items: {},
  completedStages: [],
  criticalRisks: [],
  events: 0,
});

/** One event applied to the state: the whole of the workflow's logic is this fold. */
function apply(state: WorkflowState, event: EventRecord): WorkflowState {
  const p = event.payload;
  const next = { ...state, events: state.events + 1 };
  switch (event.type) {
    case 'processing_started':
      return { ...next, status: 'running', totalItems: Number(p.total_items) };
    case 'stage_started':
      return { ...next, stage: String(p.stage_name) };
    case 'stage_completed':
      return { ...next, completedStages: [...state.completedStages, String(p.stage_name)] };
    case 'enrichment_progress': {
      const status = String(p.status);
      return { ...next, items: { ...state.items, [status]: (state.items[status] ?? 0) + 1 } };
    }
    case 'risk_alert':
      return p.severity === 'critical'
        ? { ...next, criticalRisks: [...state.criticalRisks, String(p.component_id)] }
        : next;
    case 'workflow_paused':
      return { ...next, status: 'paused' };
    case 'workflow_resumed':
      return { ...next, status: 'running' };
    case 'error':
      return { ...next, status: 'failed' };
    default:
      return next;
  }
}

const { db, label, close } = await openExampleDatabase();
await migrate({ db });
const logger = new EventLogger({ catalog: cnsCatalog, sinks: [new PostgresSink({ db })] });
const bom = {
  userId: 'user-42',
  projectId: 'project-1',
  aggregateType: 'bom',
  aggregateId: 'bom-12',
  workflowId: 'enrich-bom-12',
};
const bomId = { bom_id: 'bom-12' };

/** Logs the outcome of enriching each part (MPN) of the BOM. */
async function enriched(
  parts: [mpn: string, status: 'matched' | 'cached' | 'no_match' | 'error'][],
) {
  for (const [mpn, status] of parts) {
    await logger.logEvent({
      ...bom,
      type: 'enrichment_progress',
      payload: { ...bomId, mpn, status },
    });
  }
}

// The history: the workflow ran for a while before this process started.
await logger.logEvent({
  ...bom,
  type: 'processing_started',
  payload: { ...bomId, total_items: 6 },
});
await logger.logEvent({
  ...bom,
  type: 'stage_started',
  payload: { ...bomId, stage_name: 'parsing' },
});
await logger.logEvent({
  ...bom,
  type: 'stage_completed',
  payload: { ...bomId, stage_name: 'parsing', duration_ms: 840 },
});
await logger.logEvent({
  ...bom,
  type: 'stage_started',
  payload: { ...bomId, stage_name: 'enrichment' },
});
await enriched([
  ['LM317', 'matched'],
  ['NE555', 'cached'],
  ['XC7A35T', 'no_match'],
]);
await logger.logEvent({
  ...bom,
  type: 'risk_alert',
  payload: {
    ...bomId,
    component_id: 'XC7A35T',
    risk_score: 91,
    severity: 'critical',
    risk_factors: ['end_of_life'],
  },
});
await logger.logEvent({
  ...bom,
  type: 'workflow_paused',
  payload: { ...bomId, reason: 'supplier API quota' },
});
await logger.flush();
console.log(`workflow-state example on ${label}`);

const stream = new EventStream({ db });
const subscription = stream.subscribe(
  { userId: bom.userId },
  { aggregate: { type: 'bom', id: 'bom-12' } },
  { from: 'start', markers: true },
);

let state = initial();
let live = 0;
for await (const item of subscription) {
  if ('kind' in item) {
    if (item.kind !== 'caught-up') continue;
    console.log(`rebuilt from ${state.events} events:`, JSON.stringify(state));
    // Now the workflow goes on while we watch: these events arrive live.
    void (async () => {
      await logger.logEvent({
        ...bom,
        type: 'workflow_resumed',
        payload: { ...bomId, reason: 'quota reset' },
      });
      await enriched([
        ['STM32F103', 'matched'],
        ['TPS5430', 'matched'],
        ['AD8605', 'error'],
      ]);
      await logger.logEvent({
        ...bom,
        type: 'stage_completed',
        payload: { ...bomId, stage_name: 'enrichment', duration_ms: 12_400 },
      });
      await logger.flush();
    })();
    continue;
  }
  state = apply(state, item.event);
  if (subscription.caughtUp) {
    console.log(
      `live ${item.event.type}: status ${state.status}, items ${JSON.stringify(state.items)}`,
    );
    if (++live === 5) break;
  }
}
console.log('current state:', JSON.stringify(state));

await stream.close();
await logger.close();
await close();
