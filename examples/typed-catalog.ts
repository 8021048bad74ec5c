// examples/typed-catalog.ts
import { defineCatalog, EventLogger, event, MemorySink, ValidationError } from 'eventrail';
import { z } from 'zod';

const catalog = defineCatalog({
  // A payload type alone: checked when compiling.
  TOOL_REQUEST: event<{ tool_name: string; risk_level: 'low' | 'medium' | 'high' }>(),
  // A schema (zod here; any Standard Schema works): checked when compiling and at run time.
  risk_alert: event({
    schema: z.object({
      bom_id: z.string(),
      severity: z.enum(['critical', 'high', 'medium']),
      risk_score: z.number().min(0).max(100),
    }),
    routingKey: (p) => `cns.risk.alert.${p.severity}`, // used unless the event sets its own
    priority: (p) => (p.severity === 'critical' ? 8 : 7),
  }),
});

const sink = new MemorySink();
const logger = new EventLogger({ sinks: [sink], catalog });

await logger.logEvent({
  type: 'TOOL_REQUEST',
  userId: 'user-42',
  payload: { tool_name: 'web_search', risk_level: 'low' },
});
await logger.logEvent({
  type: 'risk_alert',
  userId: 'user-42',
  payload: { bom_id: 'bom-7', severity: 'critical', risk_score: 91 },
});

try {
  // Compiles (risk_score is a number) but breaks the schema's maximum: refused at run time.
  await logger.logEvent({
    type: 'risk_alert',
    userId: 'user-42',
    payload: { bom_id: 'bom-7', severity: 'high', risk_score: 150 },
  });
} catch (error) {
  if (!(error instanceof ValidationError)) throw error;
  console.log(error.code, error.field); // VALIDATION_SCHEMA payload.risk_score
}

await logger.close();
console.log(sink.events.map((e) => `${e.type} ${e.routingKey ?? '-'} ${e.priority ?? '-'}`));
// [ 'TOOL_REQUEST - -', 'risk_alert cns.risk.alert.critical 8' ]
