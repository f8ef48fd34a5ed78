/** Errors that tell an operator what went wrong and what to do next. Each carries a stable code. */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: names the field and the rule; nothing was changed. */
export class ValidationError extends EngineError {
  constructor(
    readonly issues: Array<{ field: string; rule: string }>,
    context = "invalid input",
  ) {
    super("VALIDATION", `${context}: ${issues.map((i) => `${i.field}: ${i.rule}`).join("; ")}`);
  }
}

export class NotFoundError extends EngineError {
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super("NOT_FOUND", `${kind} ${id} not found`);
  }
}

/** The request conflicts with the current state (in use, not empty, name taken...). */
export class ConflictError extends EngineError {
  constructor(message: string) {
    super("CONFLICT", message);
  }
}

/** No device has room for what was asked (Heketi's "Failed to allocate new volume: ..."). */
export class AllocationError extends EngineError {
  constructor(message: string) {
    super("NO_SPACE", message);
  }
}

/** A command on a storage node failed; the message carries its stderr. */
export class RemoteCommandError extends EngineError {
  constructor(
    readonly host: string,
    readonly exitCode: number,
    readonly stderr: string,
    readonly stdout = "",
  ) {
    super("REMOTE", `command on ${host} failed (exit ${exitCode}): ${(stderr || stdout).trim().slice(-4000)}`);
  }
}

/** SSH could not reach or authenticate a node (including an unpinned host key). */
export class ConnectionError extends EngineError {
  constructor(
    readonly host: string,
    message: string,
  ) {
    super("CONNECTION", `${host}: ${message}`);
  }
}
