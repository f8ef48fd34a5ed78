/**
 * Runs a script (provider/commands/shell.ts: a typed tree) on a simulated node with bash's semantics
 * for it: `set -e -o pipefail` (errexit ignored where bash ignores it: if conditions, `!`, all but the
 * last of an `&&`/`||` list, and everything inside such a context; command substitutions do not
 * inherit it), pipes feeding stdout to the next stage, redirections, and each file edit by its
 * meaning (the lock, the temp file and the rename it renders to are invisible to a reader here, as
 * scripts run one at a time). Knows nothing about storage: every simple command goes to a `NodeShell`.
 */
import { EDIT_LOCK, SECTION_MARK, render, type Script, type ShellLine } from "../../provider/commands/shell";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface NodeShell {
  /**
   * Run one simple command (`text`: as written in the script, quotes included). Throw
   * `UnrecognisedCommand` for a command the node does not simulate.
   */
  run(argv: string[], ctx: { stdin: string; env: Readonly<Record<string, string>>; text: string }): CommandResult;
  readFile(path: string): string | undefined;
  /** Create or truncate (or append to) `path` and write `data`; return an error message when it cannot. */
  writeFile(path: string, data: string, append: boolean): string | undefined;
}

/** Thrown by a NodeShell for a command it does not simulate. */
export class UnrecognisedCommand extends Error {
  constructor(readonly why: string) {
    super(why);
    this.name = "UnrecognisedCommand";
  }
}

class Exit {
  constructor(readonly code: number) {}
}

class Unrecognised {
  constructor(
    readonly command: string,
    readonly why: string,
  ) {}
}

interface Io {
  stdin: string;
  out: (s: string) => void;
  err: (s: string) => void;
}

const ok = 0;

/** The lines of a text file (a last line without newline counts; no empty line after the final newline). */
function linesOf(text: string): string[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** `line` printed after `text` so that it stands on a line of its own. */
function lineAfter(text: string | undefined, line: string): string {
  return (text && !text.endsWith("\n") ? "\n" : "") + `${line}\n`;
}

class Walker {
  private errexit = true;

  constructor(private readonly node: NodeShell) {}

  /** Run lines in order; the status is the last one's. */
  list(lines: readonly ShellLine[], io: Io, ignore: boolean): number {
    let st = ok;
    for (const l of lines) st = this.line(l, io, ignore);
    return st;
  }

  /** A failing status ends the script under `set -e`, unless bash ignores it here. */
  private checked(st: number, ignore: boolean): number {
    if (st !== 0 && !ignore && this.errexit) throw new Exit(st);
    return st;
  }

  line(l: ShellLine, io: Io, ignore: boolean): number {
    switch (l.kind) {
      case "command":
        return this.checked(this.command(l, io), ignore);
      case "if": {
        if (this.line(l.test, io, true) === 0) return this.list(l.then, io, ignore);
        return l.otherwise ? this.list(l.otherwise, io, ignore) : ok;
      }
      case "unless":
        return this.line(l.test, io, true) !== 0 ? this.list(l.then, io, ignore) : ok;
      case "not":
        return this.line(l.line, io, true) === 0 ? 1 : 0;
      case "allOf":
      case "anyOf": {
        let st = ok;
        for (let i = 0; i < l.lines.length; i++) {
          if (i > 0 && (l.kind === "allOf" ? st !== 0 : st === 0)) break;
          st = this.line(l.lines[i], io, ignore || i < l.lines.length - 1);
        }
        return st;
      }
      case "pipe":
        return this.checked(this.pipe(l.lines, io, ignore), ignore);
      case "ignoreFailure":
        this.line(l.line, io, true);
        return ok;
      case "silently":
        return this.line(l.line, { stdin: io.stdin, out: () => undefined, err: () => undefined }, ignore);
      case "withoutStderr":
        return this.line(l.line, { ...io, err: () => undefined }, ignore);
      case "writeTo": {
        const cannot = this.node.writeFile(l.file, "", l.append);
        if (cannot !== undefined) {
          io.err(`bash: ${l.file}: ${cannot}\n`);
          return 1;
        }
        let data = "";
        try {
          return this.line(l.line, { ...io, out: (s) => (data += s) }, ignore);
        } finally {
          if (data) this.node.writeFile(l.file, data, true);
        }
      }
      case "section": {
        io.out(`${SECTION_MARK}${l.name}\n`);
        const st = this.line(l.line, io, true);
        io.out(`\n${SECTION_MARK}${l.name} rc=${st}\n`);
        return ok;
      }
      case "fileHasLine":
        return this.checked(this.fileHasLine(l.file, l.line), ignore);
      case "appendLineToFile": {
        const cannot = this.node.writeFile(l.file, "", true);
        if (cannot !== undefined) {
          io.err(`bash: ${l.file}: ${cannot}\n`);
          return 1;
        }
        this.node.writeFile(l.file, lineAfter(this.node.readFile(l.file), l.line), true);
        return ok;
      }
      case "ensureLineInFile":
        return this.locked(io, () => {
          if (this.fileHasLine(l.file, l.line) === 0) return ok;
          const text = this.node.readFile(l.file);
          if (text === undefined) return this.failed(io, ignore, `cp: cannot stat '${l.file}': No such file or directory`);
          return this.replace(io, ignore, l.file, text + lineAfter(text, l.line));
        });
      case "removeTableLines":
        return this.locked(io, () => {
          const text = this.node.readFile(l.file);
          if (text === undefined) {
            io.err(`awk: cannot open "${l.file}" (No such file or directory)\n`);
            return ok;
          }
          const comment = (s: string) => /^[ \t]*#/.test(s);
          const matches = (s: string) => !comment(s) && (s.trim().split(/[ \t]+/)[l.field - 1] ?? "") === l.value;
          const lines = linesOf(text);
          if (!lines.some(matches)) return ok;
          const backup = l.file + l.backupSuffix;
          const cannot = this.node.writeFile(backup, text, false);
          if (cannot !== undefined) return this.failed(io, ignore, `cp: cannot create regular file '${backup}': ${cannot}`);
          return this.replace(io, ignore, l.file, lines.filter((s) => !matches(s)).map((s) => `${s}\n`).join(""));
        });
      case "underEditLock":
        return this.locked(io, () => this.list(l.body, io, ignore));
      case "outputIs":
        return this.checked(this.captured(l.line) === l.expected ? 0 : 1, ignore);
      case "outputIsInteger":
        return this.checked(this.captured(l.line).replace(/\s/g, "") === String(l.n) ? 0 : 1, ignore);
    }
  }

  private command(l: Extract<ShellLine, { kind: "command" }>, io: Io): number {
    const argv = l.words.map((w) => w.value);
    const env = Object.fromEntries(l.env.map((e) => [e.name, e.value]));
    let r = builtin(argv);
    if (!r) {
      try {
        r = this.node.run(argv, { stdin: io.stdin, env, text: render(l) });
      } catch (e) {
        if (e instanceof UnrecognisedCommand) throw new Unrecognised(render(l), e.why);
        throw e;
      }
    }
    if (r.stdout) io.out(r.stdout);
    if (r.stderr) io.err(r.stderr);
    return r.code;
  }

  /** Each stage is a subshell: its own exit ends only the stage; stdout feeds the next stage; pipefail decides the status. */
  private pipe(stages: readonly ShellLine[], io: Io, ignore: boolean): number {
    const statuses: number[] = [];
    let stdin = io.stdin;
    stages.forEach((stage, i) => {
      const last = i === stages.length - 1;
      let captured = "";
      try {
        statuses.push(this.line(stage, { stdin, out: last ? io.out : (s) => (captured += s), err: io.err }, ignore));
      } catch (e) {
        if (!(e instanceof Exit)) throw e;
        statuses.push(e.code);
      }
      stdin = captured;
    });
    return [...statuses].reverse().find((s) => s !== 0) ?? 0;
  }

  /** `$(line)`: its stdout without trailing newlines; errexit is off inside, as in bash. */
  private captured(l: ShellLine): string {
    let out = "";
    const saved = this.errexit;
    this.errexit = false;
    try {
      this.line(l, { stdin: "", out: (s) => (out += s), err: () => undefined }, true);
    } catch (e) {
      if (!(e instanceof Exit)) throw e;
    } finally {
      this.errexit = saved;
    }
    return out.replace(/\n+$/, "");
  }

  private fileHasLine(file: string, line: string): number {
    const text = this.node.readFile(file);
    if (text === undefined) return 2;
    return linesOf(text).includes(line) ? 0 : 1;
  }

  /** Hold the edit lock: its file is opened (created), never written; scripts are atomic here anyway. */
  private locked(io: Io, body: () => number): number {
    const cannot = this.node.writeFile(EDIT_LOCK, "", true);
    if (cannot !== undefined) {
      io.err(`bash: ${EDIT_LOCK}: ${cannot}\n`);
      return 1;
    }
    return body();
  }

  private replace(io: Io, ignore: boolean, file: string, data: string): number {
    const cannot = this.node.writeFile(file, data, false);
    return cannot === undefined ? ok : this.failed(io, ignore, `mv: cannot move to '${file}': ${cannot}`);
  }

  private failed(io: Io, ignore: boolean, message: string): number {
    io.err(`${message}\n`);
    return this.checked(1, ignore);
  }
}

/** Commands that need no node: true, false, echo. */
function builtin(argv: string[]): CommandResult | undefined {
  switch (argv[0]) {
    case "true":
      return { code: 0, stdout: "", stderr: "" };
    case "false":
      return { code: 1, stdout: "", stderr: "" };
    case "echo": {
      const noNewline = argv[1] === "-n";
      return { code: 0, stdout: argv.slice(noNewline ? 2 : 1).join(" ") + (noNewline ? "" : "\n"), stderr: "" };
    }
    default:
      return undefined;
  }
}

/** Run a whole script. Stops at the first command the simulator does not know: exit 127, naming the line. */
export function runScript(s: Script, node: NodeShell): CommandResult {
  let stdout = "";
  let stderr = "";
  const io: Io = { stdin: "", out: (t) => (stdout += t), err: (t) => (stderr += t) };
  const walker = new Walker(node);
  let at = 0;
  try {
    let code = 0;
    for (; at < s.lines.length; at++) code = walker.line(s.lines[at], io, false);
    return { code, stdout, stderr };
  } catch (e) {
    if (e instanceof Exit) return { code: e.code, stdout, stderr };
    if (e instanceof Unrecognised) {
      // line 1 of the script's text is `set -e -o pipefail`
      stderr += `sim: unrecognised command at line ${at + 2}: ${e.command}\n  (${e.why})\n  in: ${render(s.lines[at])}\n`;
      return { code: 127, stdout, stderr };
    }
    throw e;
  }
}
