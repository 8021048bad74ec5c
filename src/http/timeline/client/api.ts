import type { PageConfig } from './page-config.js';

/** The page's configuration, from the JSON the server wrote into it. */
export const CONFIG: PageConfig = JSON.parse(
  document.getElementById('timeline-config')?.textContent ?? '{}',
);
const ROOT = new URL(CONFIG.root, location.href);

/** A route's error answer. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Params = Record<string, string | number | null | undefined>;

export function apiUrl(path: string, params: Params = {}): URL {
  const url = new URL(path, ROOT);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') {
      url.searchParams.set(name, String(value));
    }
  }
  return url;
}

/** GET a JSON route of the same API with the browser's cookies. */
export async function api<T>(path: string, params?: Params): Promise<T> {
  const response = await fetch(apiUrl(path, params), {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
  });
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error ?? {};
    throw new ApiError(
      response.status,
      error.code || `HTTP_${response.status}`,
      error.message || response.statusText,
    );
  }
  return body as T;
}

/** The page's URL for a session (or the project, with `null`). */
export function pageUrl(sessionId: string | null, search?: Record<string, string>): string {
  const url = new URL(
    CONFIG.segment + (sessionId ? `/${encodeURIComponent(sessionId)}` : ''),
    ROOT,
  );
  if (search) url.search = new URLSearchParams(search).toString();
  return url.href;
}
