/** What the page's script is told by the server; the rest it reads from the JSON routes. @internal */
export interface PageConfig {
  readonly projectId: string;
  readonly sessionId: string | null;
  /** The page's own path segment (`timeline`), for links between its views. */
  readonly segment: string;
  /** The project's URL relative to the page's (`./` or `../`). */
  readonly root: string;
  /** Whether the API serves the live stream the page follows. */
  readonly live: boolean;
}
