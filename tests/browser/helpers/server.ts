/**
 * The events API with its timeline page on a real HTTP server over loopback, reading the test
 * file's database. A cookie `user=...` stands in for the host's session.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Caller, EventsApi, toNodeListener } from '../../../src/http/index.js';
import { EventQueries, type EventStream, type PgDatabase } from '../../../src/postgres/index.js';

const CALLERS: Record<string, Caller> = {
  'user-42': { userId: 'user-42', projects: ['project-1'] },
  'user-7': { userId: 'user-7', projects: ['project-9'] },
};

export interface TimelineServer {
  /** `http://127.0.0.1:port` */
  readonly origin: string;
  /** The page of a project (and session): `origin/my/projects/{project}/timeline[/{session}]`. */
  url(project: string, session?: string): string;
  close(): Promise<void>;
}

/** The server; with `stream`, the SSE route the page follows live. */
export async function startTimelineServer(
  db: PgDatabase,
  stream?: EventStream,
): Promise<TimelineServer> {
  const api = new EventsApi({
    queries: new EventQueries({ db }),
    resolveCaller: (request) => {
      const cookie = /(?:^|;\s*)user=([^;]+)/.exec(request.headers.get('cookie') ?? '');
      return CALLERS[cookie?.[1] ?? ''] ?? null;
    },
    timeline: true,
    ...(stream === undefined ? {} : { stream }),
  });
  const server: Server = createServer(toNodeListener(api));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (project, session) =>
      `${origin}/my/projects/${encodeURIComponent(project)}/timeline${
        session === undefined ? '' : `/${encodeURIComponent(session)}`
      }`,
    close: async () => {
      await api.close();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
