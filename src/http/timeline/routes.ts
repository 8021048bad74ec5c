import { randomBytes } from 'node:crypto';
import { ValidationError } from '../../errors.js';
import { custom } from '../../options/spec.js';
import { timelineHtml } from './page.js';

/** The page's path segment when `timeline: true`. */
export const DEFAULT_TIMELINE_SEGMENT = 'timeline';

const TIMELINE_ACCEPTS =
  'a boolean or one path segment (letters, digits, _ and -) that no data route uses';

/**
 * The `timeline` option: the segment the page is served under, `undefined` when the page is off.
 * A string names the segment (`'view'` serves `{base}/{projectId}/view`). @internal
 */
export const timelineSpec = custom(TIMELINE_ACCEPTS, (option, field): string | undefined => {
  if (option === false) return undefined;
  if (option === true) return DEFAULT_TIMELINE_SEGMENT;
  if (typeof option !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(option) || isDataRoute(option)) {
    throw new ValidationError(
      field,
      typeof option === 'string' ? 'VALIDATION_RANGE' : 'VALIDATION_TYPE',
      `must be ${TIMELINE_ACCEPTS}`,
    );
  }
  return option;
}).optional('false');

function isDataRoute(segment: string): boolean {
  return ['events', 'analytics', 'sessions', 'aggregates'].includes(segment);
}

/** A request for the page: the project's view, or one session's. @internal */
export interface TimelinePageRoute {
  readonly projectId: string;
  readonly sessionId?: string;
}

/** `{projectId}/{segment}[/{sessionId}]` after the base path, decoded. @internal */
export function matchTimelinePage(
  parts: readonly string[],
  segment: string,
): TimelinePageRoute | undefined {
  const [projectId, resource, sessionId, ...rest] = parts;
  if (!projectId || resource !== segment || rest.length > 0 || sessionId === '') return undefined;
  return sessionId === undefined ? { projectId } : { projectId, sessionId };
}

/**
 * The page. It holds no event data: everything it shows comes from the JSON routes (and the
 * stream) of the same API, called with the browser's cookies, so it gets their scoping and errors
 * (a foreign project shows the routes' 404). Each response has its own CSP nonce. @internal
 */
export function timelinePage(
  route: TimelinePageRoute,
  serve: { readonly segment: string; readonly live: boolean; readonly head: boolean },
): Response {
  const nonce = randomBytes(18).toString('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const html = timelineHtml(nonce, {
    projectId: route.projectId,
    sessionId: route.sessionId ?? null,
    segment: serve.segment,
    live: serve.live,
    // The project's URL relative to the page's: the page works behind any prefix or proxy.
    root: route.sessionId === undefined ? './' : '../',
  });
  return new Response(serve.head ? null : html, {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': csp,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    },
  });
}
