/** A small Server-Sent Events client over fetch, for tests: keeps every frame it reads. */

export interface SseFrame {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly retry?: number;
  /** Comment lines (`: heartbeat`). */
  readonly comments: string[];
}

export interface SseClient {
  readonly status: number;
  readonly headers: Headers;
  readonly frames: SseFrame[];
  /** Frames with `event: event`, their data parsed. */
  events(): { id: string; data: Record<string, unknown> }[];
  /** Resolves when the server ends the response. */
  readonly ended: Promise<void>;
  /** Drops the connection, as a client going away does. */
  drop(): void;
}

function parse(block: string): SseFrame {
  const frame: Record<string, unknown> & { comments: string[] } = { comments: [] };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame.comments.push(line.slice(1).trim());
    const at = line.indexOf(': ');
    if (at < 0) continue;
    const [name, value] = [line.slice(0, at), line.slice(at + 2)];
    if (name === 'retry') frame.retry = Number(value);
    else if (name === 'id' || name === 'event' || name === 'data') frame[name] = value;
  }
  return frame as unknown as SseFrame;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseClient> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const frames: SseFrame[] = [];
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let text = '';
    try {
      for await (const chunk of response.body) {
        text += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = text.indexOf('\n\n');
        while (end >= 0) {
          frames.push(parse(text.slice(0, end)));
          text = text.slice(end + 2);
          end = text.indexOf('\n\n');
        }
      }
    } catch {
      // dropped by us
    }
  })();
  return {
    status: response.status,
    headers: response.headers,
    frames,
    events: () =>
      frames
        .filter((f) => f.event === 'event')
        .map((f) => ({ id: f.id as string, data: JSON.parse(f.data as string) })),
    ended,
    drop: () => abort.abort(),
  };
}
