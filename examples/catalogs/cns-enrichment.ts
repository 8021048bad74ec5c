/**
 * The BOM enrichment service's events (seed 004) with its routing keys (cns.*) and priorities
 * 4–9. Routing keys and priorities that depend on the payload are functions of it.
 */
import { defineCatalog, event } from 'eventrail';
import { z } from 'zod';

const stage = z.enum(['parsing', 'enrichment', 'risk_analysis']);

export const cnsCatalog = defineCatalog({
  processing_started: event({
    schema: z.object({ bom_id: z.string(), total_items: z.number().int().nonnegative() }),
    routingKey: 'cns.processing.started',
    priority: 7,
  }),
  stage_started: event({
    schema: z.object({ bom_id: z.string(), stage_name: stage }),
    routingKey: (p) => `cns.stage.${p.stage_name}.started`,
    priority: 6,
  }),
  stage_completed: event({
    schema: z.object({
      bom_id: z.string(),
      stage_name: stage,
      duration_ms: z.number().nonnegative(),
    }),
    routingKey: (p) => `cns.stage.${p.stage_name}.completed`,
    priority: 6,
  }),
  enrichment_progress: event({
    schema: z.object({
      bom_id: z.string(),
      mpn: z.string(),
      status: z.enum(['matched', 'no_match', 'cached', 'error']),
      confidence: z.number().min(0).max(1).optional(),
    }),
    routingKey: 'cns.enrichment.progress',
    priority: 4,
  }),
  risk_alert: event({
    schema: z.object({
      bom_id: z.string(),
      component_id: z.string(),
      risk_score: z.number().min(0).max(100),
      severity: z.enum(['critical', 'high', 'medium']),
      risk_factors: z.array(z.string()),
    }),
    routingKey: (p) => `cns.risk.alert.${p.severity}`,
    priority: (p) => (p.severity === 'critical' ? 8 : 7),
  }),
  workflow_paused: event<{ bom_id: string; reason: string }>({
    routingKey: 'cns.workflow.paused',
    priority: 9,
  }),
  workflow_resumed: event<{ bom_id: string; reason: string }>({
    routingKey: 'cns.workflow.resumed',
    priority: 9,
  }),
  error: event({
    schema: z.object({ bom_id: z.string(), error_code: z.string(), error_message: z.string() }),
    routingKey: 'cns.error',
    priority: 8,
  }),
});
