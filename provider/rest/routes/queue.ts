/**
 * Heketi's job queue: GET /queue/{id} answers still pending, failed, or where the result is (303).
 */
import { empty, HttpError } from "../http";
import { ID, type Routes } from "./context";

export function registerQueueRoutes(routes: Routes): void {
  const { on, queue } = routes;
  on("GET", `/queue/${ID}`, async (c) => {
    const e = queue.take(c.params.id);
    if (!e) throw new HttpError(404, "Id not found");
    if (e.state === "pending") return empty(c.res, 200, { "X-Pending": "true" });
    if (e.state === "failed") throw new HttpError(500, e.message);
    if (e.location) {
      // Go's http.Redirect on a GET: a tiny HTML body with the link
      c.res.writeHead(303, { Location: e.location, "Content-Type": "text/html; charset=utf-8" });
      return void c.res.end(`<a href="${e.location}">See Other</a>.\n\n`);
    }
    return empty(c.res, 204);
  });
}
