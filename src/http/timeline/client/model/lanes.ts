import { type TimelineEvent, textOf } from './event.js';
import { agentOf } from './genai.js';

/**
 * What the lanes are: one per agent; one per workflow stage when no event names an agent but
 * payloads name a `stage_name` (seed 004's BOM); else one lane.
 * @internal
 */
export type LaneMode = 'agent' | 'stage' | 'none';

const RANK: Record<LaneMode, number> = { none: 0, stage: 1, agent: 2 };

/** The mode an event asks for: the wider of `mode` and what it names. @internal */
export function widerMode(mode: LaneMode, e: TimelineEvent): LaneMode {
  const asks: LaneMode = agentOf(e)
    ? 'agent'
    : textOf(e.payload, ['stage_name'])
      ? 'stage'
      : 'none';
  return RANK[asks] > RANK[mode] ? asks : mode;
}

/** Assigns lanes to events fed in time order; lanes are named in order of first appearance. @internal */
export class LaneTracker {
  readonly names: string[] = [];
  readonly #known = new Set<string>();
  readonly #rest: string;
  #stage: string | null = null;

  constructor(readonly mode: LaneMode) {
    this.#rest = mode === 'agent' ? '(session)' : mode === 'stage' ? '(workflow)' : 'events';
  }

  feed(e: TimelineEvent): string {
    let lane = this.#rest;
    if (this.mode === 'agent') lane = agentOf(e) ?? this.#rest;
    if (this.mode === 'stage') {
      const name = textOf(e.payload, ['stage_name']);
      if (name && /_started$/i.test(e.type)) this.#stage = name;
      lane = name ?? this.#stage ?? this.#rest;
      if (name && /_completed$/i.test(e.type) && name === this.#stage) this.#stage = null;
    }
    if (!this.#known.has(lane)) {
      this.#known.add(lane);
      this.names.push(lane);
    }
    return lane;
  }
}
