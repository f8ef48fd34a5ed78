/**
 * Heketi's asynchronous protocol (heketi.md §1.2): a started job gets a fresh queue id; polling it
 * answers pending, or — exactly once — its outcome (a resource URL, nothing, or an error text), after
 * which the id is forgotten. In memory, like Heketi's. Also the throttle on concurrent operations.
 */
import { newId } from "../model/ids";

export type QueueEntry = { state: "pending" } | { state: "done"; location?: string } | { state: "failed"; message: string };

export class AsyncQueue {
  private readonly entries = new Map<string, QueueEntry>();

  /** Run `job` in the background; its result (a URL such as /volumes/<id>, or nothing) is the queue outcome. */
  start(job: () => Promise<string | void>, onSettled?: () => void): string {
    const id = newId();
    this.entries.set(id, { state: "pending" });
    job().then(
      (location) => this.entries.set(id, location ? { state: "done", location } : { state: "done" }),
      (err: Error) => this.entries.set(id, { state: "failed", message: err?.message ?? String(err) }),
    ).finally(onSettled);
    return id;
  }

  /** The entry for a poll; a terminal entry is removed as it is read. */
  take(id: string): QueueEntry | undefined {
    const e = this.entries.get(id);
    if (e && e.state !== "pending") this.entries.delete(id);
    return e;
  }

  pending(): number {
    return [...this.entries.values()].filter((e) => e.state === "pending").length;
  }
}

/** Counts throttled operations in flight; `tryAcquire` fails past the limit (the caller answers 429). */
export class Throttle {
  private inflight = 0;
  constructor(readonly limit: number) {}
  tryAcquire(): (() => void) | undefined {
    if (this.inflight >= this.limit) return undefined;
    this.inflight++;
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.inflight--;
      }
    };
  }
  get count(): number {
    return this.inflight;
  }
}
