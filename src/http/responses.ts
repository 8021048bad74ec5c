import type { ValidationError } from '../errors.js';

/** A JSON response. @internal */
export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    },
  });
}

/** `{ error: { code, message, field? } }` with the given status. @internal */
export function problem(status: number, code: string, message: string, field?: string): Response {
  return json(status, {
    error: field === undefined ? { code, message } : { code, message, field },
  });
}

/**
 * A refused parameter as 400. The query module names fields by their place in its API
 * (`page.limit`, `filters.types[0]`); the response names the query parameter instead.
 * @internal
 */
export function badRequest(error: ValidationError): Response {
  const field = error.field
    .replace(/^(page|filters|scope|series)\./, '')
    .replace(/^types(\[\d+\])?$/, 'type')
    .replace(
      /^aggregate\.(type|id)$/,
      (_, part: string) => `aggregate${part === 'id' ? 'Id' : 'Type'}`,
    );
  const reason = error.message.startsWith(`${error.field}: `)
    ? error.message.slice(error.field.length + 2)
    : error.message;
  return problem(400, error.code, `${field}: ${reason}`, field);
}
