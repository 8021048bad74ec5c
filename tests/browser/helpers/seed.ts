/**
 * What the browser tests look at: the agent-platform example's session (logged by the example's
 * own code through a catalog-bound logger), a BOM of seed 004 with its stages, and a session
 * whose strings are hostile HTML.
 */

import { agentPlatformCatalog } from '../../../examples/catalogs/agent-platform.js';
import { agentSession } from '../../../examples/lib/agent-session.js';
import { EventLogger } from '../../../src/index.js';
import { type PgDatabase, PostgresSink } from '../../../src/postgres/index.js';

export const USER = 'user-42';
export const PROJECT = 'project-1';
export const SESSION = 'session-7';
export const HOSTILE_SESSION = '<img src=x onerror=alert(1)>';
/** Strings that would run if the page ever parsed event data as HTML. */
export const HOSTILE = {
  script: '<script>alert("script")</script>',
  img: `<img src=x onerror="alert('img');fetch('/stolen')">`,
};

export async function seedAgentSession(db: PgDatabase): Promise<void> {
  const logger = new EventLogger({
    sinks: [new PostgresSink({ db })],
    catalog: agentPlatformCatalog,
    fallback: null,
  });
  await agentSession(logger, { userId: USER, projectId: PROJECT, sessionId: SESSION });
  await logger.close();
}

/** Seed 004's shape: no agents, a BOM as the aggregate, workflow stages in the payload. */
export async function seedBom(db: PgDatabase): Promise<void> {
  const logger = new EventLogger({ sinks: [new PostgresSink({ db })], fallback: null });
  const bom = { userId: USER, projectId: PROJECT, aggregateType: 'bom', aggregateId: 'bom-7' };
  const events: [string, Record<string, unknown>][] = [
    ['processing_started', { total_items: 3 }],
    ['stage_started', { stage_name: 'parsing' }],
    ['stage_completed', { stage_name: 'parsing', duration_ms: 12 }],
    ['stage_started', { stage_name: 'enrichment' }],
    ['enrichment_progress', { mpn: 'MPN-1', status: 'matched' }],
    ['risk_alert', { component_id: 'c-1', risk_score: 92, severity: 'critical' }],
    ['stage_completed', { stage_name: 'enrichment', duration_ms: 40 }],
  ];
  for (const [type, payload] of events) {
    await logger.logEvent({ ...bom, type, payload: { bom_id: 'bom-7', ...payload } });
  }
  await logger.close();
}

export async function seedHostile(db: PgDatabase): Promise<void> {
  const logger = new EventLogger({ sinks: [new PostgresSink({ db })], fallback: null });
  const base = { userId: USER, projectId: PROJECT, sessionId: HOSTILE_SESSION };
  await logger.logEvents([
    {
      ...base,
      type: 'TOOL_REQUEST',
      agentId: HOSTILE.img,
      payload: { tool_name: HOSTILE.script, risk_level: HOSTILE.img, note: HOSTILE.img },
    },
    {
      ...base,
      type: 'ERROR',
      agentId: HOSTILE.img,
      payload: { error_code: HOSTILE.script, error_message: HOSTILE.img },
    },
  ]);
  await logger.close();
}
