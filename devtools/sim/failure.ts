/** A simulated command failed the way the real tool fails: its exit code and what it printed. */
export class SimFailure extends Error {
  readonly stderr: string;
  constructor(
    readonly code: number,
    stderr: string,
    readonly stdout = "",
  ) {
    super(stderr.trim());
    this.name = "SimFailure";
    this.stderr = stderr === "" || stderr.endsWith("\n") ? stderr : `${stderr}\n`;
  }
}

export function fail(code: number, stderr: string, stdout = ""): never {
  throw new SimFailure(code, stderr, stdout);
}
