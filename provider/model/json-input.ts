import type { z } from "zod";
import { ValidationError } from "./errors";

/**
 * A JSON document that a file or a request gives as an object or as its text, parsed with a schema.
 * A malformed one is refused as a whole, naming each field and rule (text that is not JSON at all as
 * the field "(file)"), so an operator can fix every problem in one go.
 */
export function parseJsonInput<S extends z.ZodType>(schema: S, input: unknown, context: string): z.output<S> {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new ValidationError([{ field: "(file)", rule: `is not JSON: ${(e as Error).message}` }], context);
    }
  }
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new ValidationError(
    r.error.issues.map((i) => ({ field: i.path.length ? i.path.map(String).join(".") : "(value)", rule: i.message })),
    context,
  );
}
