/**
 * What a Heketi-compatible server said when a request failed: the HTTP status and the server's own
 * text (Heketi answers errors as `text/plain`, message + "\n"), so callers can branch on both.
 */
export class HeketiError extends Error {
  constructor(
    /** HTTP status of the failing response (for an async operation: the status /queue answered with, usually 500). */
    readonly status: number,
    /** The server's message, trimmed (Heketi's `http.Error` text). */
    readonly text: string,
    readonly method: string,
    readonly path: string,
    /** For an async operation: the request that started it (the 500 itself came from /queue/<id>). */
    readonly operation?: string,
  ) {
    super(`Heketi ${operation ?? `${method} ${path}`}: ${text || `server did not provide a message (status ${status})`} (HTTP ${status})`);
    this.name = "HeketiError";
  }

  /**
   * The entity does not exist: 404 with Heketi's "Id not found". A 404 with another text (a router's
   * "Invalid path or request", a proxy's page) is NOT taken as "gone": a wrong URL must not make
   * refresh drop resources from the state.
   */
  get notFound(): boolean {
    return this.status === 404 && /^id not found\b/i.test(this.text);
  }

  /** The request conflicts with the server's state (409: in use, still has members). */
  get conflict(): boolean {
    return this.status === 409;
  }

  /** The operation throttle said no even after the retries (429 "Server busy. Retry operation later."). */
  get busy(): boolean {
    return this.status === 429;
  }
}

/** The server could not be reached (connection refused, DNS, TLS, reset) or timed out. */
export class HeketiUnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
    detail?: string,
  ) {
    super(`cannot reach the Heketi server at ${url}: ${detail ?? describeCause(cause)}`, { cause });
    this.name = "HeketiUnreachableError";
  }
}

/** The server answered something that is not Heketi's protocol (a 2xx body that does not parse, a redirect without Location). */
export class HeketiProtocolError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    message: string,
  ) {
    super(`Heketi ${method} ${path}: unexpected response: ${message}`);
    this.name = "HeketiProtocolError";
  }
}

/** Is this error Heketi's "Id not found" (the entity is gone)? */
export function isNotFound(e: unknown): boolean {
  return e instanceof HeketiError && e.notFound;
}

function describeCause(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const c = (e as { cause?: unknown }).cause;
  if (c instanceof Error) {
    const code = (c as { code?: string }).code;
    return code ? `${code} (${c.message})` : c.message;
  }
  return e.message;
}
