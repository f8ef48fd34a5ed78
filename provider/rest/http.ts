/** Heketi's reply shapes: Go's http.Error text, single-line JSON + newline, 202 with a relative Location. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";

/** A request that ends with this status and text (Heketi's wording). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function text(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff", ...headers });
  res.end(`${message}\n`);
}

export function json(res: ServerResponse, status: number, body: unknown, opts: { pretty?: boolean } = {}): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=UTF-8" });
  res.end(`${opts.pretty ? JSON.stringify(body, null, 4) : JSON.stringify(body)}\n`);
}

export function empty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers);
  res.end();
}

/** 202 Accepted, `Location: /queue/<id>` (relative: the Python client prepends the host). */
export function accepted(res: ServerResponse, queueId: string): void {
  empty(res, 202, { Location: `/queue/${queueId}` });
}

const MAX_BODY = 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new HttpError(413, "request body too large");
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Decode a JSON body the way Go's decoder does: types checked, unknown fields ignored; failure is 422. */
export function decode<S extends z.ZodType>(schema: S, body: string): z.output<S> {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    throw new HttpError(422, "request unable to be parsed");
  }
  const r = schema.safeParse(v);
  if (!r.success || v === null || typeof v !== "object" || Array.isArray(v)) throw new HttpError(422, "request unable to be parsed");
  return r.data;
}
