/**
 * A small bash interpreter for the scripts the engine sends: exactly the syntax that
 * provider/commands/shell.ts can produce, with bash's semantics for it. Knows nothing about storage:
 * every command that is not a shell builtin goes to a `CommandHost` callback.
 *
 * Supported: simple commands (words built from unquoted text, '...', "...", $name, $?, $(...)),
 * `NAME=value` assignments and env prefixes, `;` and newlines, `|`, `&&`, `||`, `!`, `{ ...; }`,
 * `if ...; then ...; [else ...;] fi`, redirections `>`, `>>`, `N>file`, `N>&M`, and `set -e` /
 * `set -o pipefail` (errexit ignored where bash ignores it: if conditions, `!`, all but the last of
 * an `&&`/`||` list, and everything inside such a context; command substitutions do not inherit it).
 * No field splitting and no globbing: every expansion the builders emit is quoted.
 * Anything else (subshells, `elif`, here-documents, arithmetic, backticks, ...) is a syntax error,
 * so a builder that grows new shell syntax makes the simulated run fail loudly.
 */

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandHost {
  /** Run one simple command. Throw `UnrecognisedCommand` for a command the host does not know. */
  run(argv: string[], ctx: { stdin: string; env: Readonly<Record<string, string>> }): CommandResult;
  /** Open `path` for a redirection (create or truncate, or append) and write `data`; return an error message when it cannot. */
  writeFile(path: string, data: string, append: boolean): string | undefined;
}

/** Thrown by a CommandHost for a command it does not simulate. */
export class UnrecognisedCommand extends Error {
  constructor(readonly why: string) {
    super(why);
    this.name = "UnrecognisedCommand";
  }
}

export class BashSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "BashSyntaxError";
  }
}

export interface ScriptResult extends CommandResult {
  /** Set when the run stopped at a command or syntax the simulator does not know. */
  unrecognised?: { line: number; lineText: string; command: string; why: string };
}

// ---------------------------------------------------------------------------------------------
// AST

type Part =
  | { t: "lit"; v: string }
  | { t: "sq"; v: string }
  | { t: "dq"; parts: Part[] }
  | { t: "var"; name: string }
  | { t: "cmdsub"; list: List };
type Word = Part[];
interface Redir {
  fd: number;
  op: ">" | ">>" | ">&";
  target: Word;
}
type Command =
  | { t: "simple"; assigns: Array<[string, Word]>; words: Word[]; redirs: Redir[]; text: string; offset: number }
  | { t: "group"; body: List; redirs: Redir[] }
  | { t: "if"; cond: List; then: List; otherwise: List | null; redirs: Redir[] };
interface Pipeline {
  negated: boolean;
  commands: Command[];
}
interface AndOr {
  first: Pipeline;
  rest: Array<{ op: "&&" | "||"; pipeline: Pipeline }>;
}
type List = AndOr[];

// ---------------------------------------------------------------------------------------------
// Parser (recursive descent over characters)

const RESERVED = new Set(["if", "then", "else", "elif", "fi", "{", "}", "!", "while", "until", "for", "case", "do", "done", "function"]);
const META = new Set([";", "\n", "|", "&", "<", ">", "(", ")", " ", "\t"]);

class Parser {
  private pos = 0;
  constructor(private readonly src: string) {}

  program(): List {
    const list = this.list(new Set(), false);
    this.blanks();
    if (this.pos < this.src.length) this.fail(`unexpected ${JSON.stringify(this.src[this.pos])}`);
    return list;
  }

  private fail(msg: string): never {
    throw new BashSyntaxError(msg, this.pos);
  }
  private peek(n = 0): string | undefined {
    return this.src[this.pos + n];
  }
  private blanks(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }
  private starts(s: string): boolean {
    return this.src.startsWith(s, this.pos);
  }

  /** The next plain word, if it is a reserved word in command position. */
  private reserved(): string | undefined {
    const save = this.pos;
    this.blanks();
    let w = "";
    while (this.pos < this.src.length && !META.has(this.src[this.pos]) && !"'\"$\\".includes(this.src[this.pos])) w += this.src[this.pos++];
    this.pos = save;
    return RESERVED.has(w) ? w : undefined;
  }
  private expectReserved(w: string): void {
    if (this.reserved() !== w) this.fail(`expected '${w}'`);
    this.blanks();
    this.pos += w.length;
  }

  /** Commands separated by `;` or newlines, up to a stop word, `)` (in `$(...)`) or the end. */
  private list(stops: Set<string>, inSubst: boolean): List {
    const items: List = [];
    for (;;) {
      while (this.peek() === " " || this.peek() === "\t" || this.peek() === "\n" || this.peek() === ";") this.pos++;
      if (this.pos >= this.src.length || (inSubst && this.peek() === ")")) break;
      if (this.peek() === "#") {
        while (this.pos < this.src.length && this.peek() !== "\n") this.pos++;
        continue;
      }
      const r = this.reserved();
      if (r && stops.has(r)) break;
      items.push(this.andOr());
      this.blanks();
      const c = this.peek();
      if (c === ";" || c === "\n") continue;
      if (c === undefined || (inSubst && c === ")")) break;
      if (this.reserved() && stops.has(this.reserved()!)) this.fail(`expected ';' before '${this.reserved()}'`);
      this.fail(`unexpected ${JSON.stringify(c)}`);
    }
    return items;
  }

  private andOr(): AndOr {
    const first = this.pipeline();
    const rest: AndOr["rest"] = [];
    for (;;) {
      this.blanks();
      const op = this.starts("&&") ? "&&" : this.starts("||") ? "||" : undefined;
      if (!op) break;
      this.pos += 2;
      while (this.peek() === " " || this.peek() === "\t" || this.peek() === "\n") this.pos++;
      rest.push({ op, pipeline: this.pipeline() });
    }
    return { first, rest };
  }

  private pipeline(): Pipeline {
    let negated = false;
    if (this.reserved() === "!") {
      this.expectReserved("!");
      negated = true;
    }
    const commands = [this.command()];
    for (;;) {
      this.blanks();
      if (this.peek() !== "|" || this.peek(1) === "|") break;
      this.pos++;
      while (this.peek() === " " || this.peek() === "\t" || this.peek() === "\n") this.pos++;
      commands.push(this.command());
    }
    return { negated, commands };
  }

  private command(): Command {
    this.blanks();
    const r = this.reserved();
    if (r === "if") {
      this.expectReserved("if");
      const cond = this.list(new Set(["then"]), false);
      this.expectReserved("then");
      const then = this.list(new Set(["else", "elif", "fi"]), false);
      let otherwise: List | null = null;
      if (this.reserved() === "elif") this.fail("'elif' is not supported by the simulator");
      if (this.reserved() === "else") {
        this.expectReserved("else");
        otherwise = this.list(new Set(["fi"]), false);
      }
      this.expectReserved("fi");
      return { t: "if", cond, then, otherwise, redirs: this.redirs() };
    }
    if (r === "{") {
      this.expectReserved("{");
      const body = this.list(new Set(["}"]), false);
      this.expectReserved("}");
      return { t: "group", body, redirs: this.redirs() };
    }
    if (r && r !== "}") this.fail(`'${r}' is not supported by the simulator`);
    return this.simple();
  }

  private isRedir(): boolean {
    const c = this.peek();
    return c === ">" || c === "<" || (/[0-9]/.test(c ?? "") && (this.peek(1) === ">" || this.peek(1) === "<"));
  }

  private redirs(): Redir[] {
    const out: Redir[] = [];
    for (;;) {
      this.blanks();
      if (!this.isRedir()) return out;
      out.push(this.redir());
    }
  }

  private redir(): Redir {
    let fd = 1;
    if (/[0-9]/.test(this.peek()!)) fd = Number(this.src[this.pos++]);
    if (this.peek() === "<") this.fail("input redirection is not supported by the simulator");
    let op: Redir["op"];
    if (this.starts(">>")) op = ">>";
    else if (this.starts(">&")) op = ">&";
    else op = ">";
    this.pos += op.length;
    this.blanks();
    const target = this.word();
    if (target.length === 0) this.fail("redirection without a target");
    return { fd, op, target };
  }

  private simple(): Command {
    const offset = this.pos;
    const assigns: Array<[string, Word]> = [];
    const words: Word[] = [];
    const redirs: Redir[] = [];
    for (;;) {
      this.blanks();
      const c = this.peek();
      if (c === undefined || c === ";" || c === "\n" || c === "|" || c === "&" || c === ")") break;
      if (this.isRedir()) {
        redirs.push(this.redir());
        continue;
      }
      const w = this.word();
      if (w.length === 0) this.fail(`unexpected ${JSON.stringify(c)}`);
      const head = w[0];
      const lit = head.t === "lit" ? head.v : null;
      const m = words.length === 0 && lit !== null ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(lit) : null;
      if (m && lit !== null) {
        const rest = lit.slice(m[0].length);
        assigns.push([m[1], [...(rest ? [{ t: "lit", v: rest } as Part] : []), ...w.slice(1)]]);
      } else words.push(w);
    }
    if (!assigns.length && !words.length && !redirs.length) this.fail("expected a command");
    return { t: "simple", assigns, words, redirs, text: this.src.slice(offset, this.pos).trim(), offset };
  }

  private word(): Word {
    const parts: Part[] = [];
    let lit = "";
    const flush = () => {
      if (lit) parts.push({ t: "lit", v: lit });
      lit = "";
    };
    for (;;) {
      const c = this.peek();
      if (c === undefined || META.has(c)) break;
      if (c === "'") {
        flush();
        const end = this.src.indexOf("'", this.pos + 1);
        if (end < 0) this.fail("unterminated single quote");
        parts.push({ t: "sq", v: this.src.slice(this.pos + 1, end) });
        this.pos = end + 1;
      } else if (c === '"') {
        flush();
        parts.push(this.doubleQuoted());
      } else if (c === "$") {
        flush();
        parts.push(this.dollar());
      } else if (c === "\\") {
        const n = this.peek(1);
        if (n === undefined) this.fail("backslash at the end of the script");
        this.pos += 2;
        if (n !== "\n") lit += n;
      } else if (c === "`") {
        this.fail("backticks are not supported by the simulator");
      } else {
        lit += c;
        this.pos++;
      }
    }
    flush();
    return parts;
  }

  private doubleQuoted(): Part {
    this.pos++; // "
    const parts: Part[] = [];
    let lit = "";
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail("unterminated double quote");
      if (c === '"') {
        this.pos++;
        break;
      }
      if (c === "\\" && "$`\"\\\n".includes(this.peek(1) ?? "")) {
        if (this.peek(1) !== "\n") lit += this.peek(1);
        this.pos += 2;
      } else if (c === "$") {
        if (lit) parts.push({ t: "lit", v: lit });
        lit = "";
        parts.push(this.dollar());
      } else if (c === "`") {
        this.fail("backticks are not supported by the simulator");
      } else {
        lit += c;
        this.pos++;
      }
    }
    if (lit) parts.push({ t: "lit", v: lit });
    return { t: "dq", parts };
  }

  private dollar(): Part {
    this.pos++; // $
    const c = this.peek();
    if (c === "(") {
      if (this.peek(1) === "(") this.fail("arithmetic expansion is not supported by the simulator");
      this.pos++;
      const list = this.list(new Set(), true);
      if (this.peek() !== ")") this.fail("unterminated $(");
      this.pos++;
      return { t: "cmdsub", list };
    }
    if (c === "?") {
      this.pos++;
      return { t: "var", name: "?" };
    }
    if (c === "{") {
      const end = this.src.indexOf("}", this.pos);
      const name = end < 0 ? "" : this.src.slice(this.pos + 1, end);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) this.fail("only ${name} parameter expansion is supported by the simulator");
      this.pos = end + 1;
      return { t: "var", name };
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos));
    if (m) {
      this.pos += m[0].length;
      return { t: "var", name: m[0] };
    }
    return { t: "lit", v: "$" };
  }
}

// ---------------------------------------------------------------------------------------------
// Interpreter

class Exit {
  constructor(readonly code: number) {}
}

class Unrecognised {
  constructor(
    readonly offset: number,
    readonly command: string,
    readonly why: string,
  ) {}
}

interface Io {
  stdin: string;
  out: (s: string) => void;
  err: (s: string) => void;
}

const DEV_NULL = "/dev/null";

class Interpreter {
  private vars = new Map<string, string>();
  private status = 0;
  private errexit = false;
  private pipefail = false;

  constructor(private readonly host: CommandHost) {}

  runList(list: List, io: Io, ignore: boolean): number {
    let st = 0;
    for (const item of list) st = this.runAndOr(item, io, ignore);
    return st;
  }

  private runAndOr(a: AndOr, io: Io, ignore: boolean): number {
    const all = [{ op: "&&" as const, pipeline: a.first }, ...a.rest];
    let st = 0;
    all.forEach(({ op, pipeline }, i) => {
      if (i > 0 && (op === "&&" ? st !== 0 : st === 0)) return;
      st = this.runPipeline(pipeline, io, ignore || i < all.length - 1);
    });
    return st;
  }

  private runPipeline(p: Pipeline, io: Io, ignore: boolean): number {
    let st: number;
    if (p.commands.length === 1) {
      st = this.runCommand(p.commands[0], io, ignore || p.negated);
    } else {
      // each stage is a subshell: its own exit ends only the stage; stdout feeds the next stage
      const statuses: number[] = [];
      let stdin = io.stdin;
      p.commands.forEach((c, i) => {
        const last = i === p.commands.length - 1;
        let captured = "";
        const stageIo: Io = { stdin, out: last ? io.out : (s) => (captured += s), err: io.err };
        try {
          statuses.push(this.runCommand(c, stageIo, ignore || p.negated));
        } catch (e) {
          if (!(e instanceof Exit)) throw e;
          statuses.push(e.code);
        }
        stdin = captured;
      });
      st = this.pipefail ? ([...statuses].reverse().find((s) => s !== 0) ?? 0) : statuses[statuses.length - 1];
      this.status = st;
      if (st !== 0 && !ignore && !p.negated && this.errexit) throw new Exit(st);
    }
    if (p.negated) st = st === 0 ? 1 : 0;
    this.status = st;
    return st;
  }

  private runCommand(c: Command, io: Io, ignore: boolean): number {
    if (c.t === "simple") return this.runSimple(c, io, ignore);
    return this.withRedirs(c.redirs, io, (rio) => {
      if (c.t === "group") return this.runList(c.body, rio, ignore);
      const cond = this.runList(c.cond, rio, true);
      if (cond === 0) return this.runList(c.then, rio, ignore);
      return c.otherwise ? this.runList(c.otherwise, rio, ignore) : 0;
    });
  }

  /** Apply redirections left to right around `fn`; a file that cannot be opened fails the command (status 1). */
  private withRedirs(redirs: Redir[], io: Io, fn: (io: Io) => number): number {
    if (!redirs.length) return fn(io);
    const fds: Record<number, (s: string) => void> = { 1: io.out, 2: io.err };
    const files: Array<{ path: string; buf: string[] }> = [];
    for (const r of redirs) {
      const target = this.expand(r.target);
      if (r.fd > 2) {
        // a lock file held open for flock(1): opened (created), never written; scripts are atomic here anyway
        if (r.op !== ">>") throw new Unrecognised(this.at, `${r.fd}${r.op}${target}`, "only `N>>FILE` (a lock file for flock) is simulated for fds above 2");
        const msg = this.host.writeFile(target, "", true);
        if (msg !== undefined) {
          io.err(`bash: ${target}: ${msg}\n`);
          return 1;
        }
        continue;
      }
      if (r.op === ">&") {
        const from = fds[Number(target)];
        if (!/^[12]$/.test(target) || !from) throw new Unrecognised(this.at, `${r.fd}>&${target}`, "only 1>&2 and 2>&1 are simulated");
        fds[r.fd] = from;
      } else if (target === DEV_NULL) {
        fds[r.fd] = () => undefined;
      } else {
        const msg = this.host.writeFile(target, "", r.op === ">>");
        if (msg !== undefined) {
          io.err(`bash: ${target}: ${msg}\n`);
          return 1;
        }
        const f = { path: target, buf: [] as string[] };
        files.push(f);
        fds[r.fd] = (s) => f.buf.push(s);
      }
    }
    try {
      return fn({ stdin: io.stdin, out: fds[1], err: fds[2] });
    } finally {
      for (const f of files) if (f.buf.length) this.host.writeFile(f.path, f.buf.join(""), true);
    }
  }

  private runSimple(c: Extract<Command, { t: "simple" }>, io: Io, ignore: boolean): number {
    this.at = c.offset;
    this.substStatus = undefined;
    const assigns = c.assigns.map(([n, w]) => [n, this.expand(w)] as const);
    const argv = c.words.map((w) => this.expand(w));
    let st: number;
    if (argv.length === 0) {
      for (const [n, v] of assigns) this.vars.set(n, v);
      st = this.withRedirs(c.redirs, io, () => this.substStatus ?? 0);
    } else {
      const env = Object.fromEntries(assigns);
      st = this.withRedirs(c.redirs, io, (rio) => {
        let r: CommandResult | undefined = this.builtin(argv);
        if (!r) {
          try {
            r = this.host.run(argv, { stdin: rio.stdin, env });
          } catch (e) {
            if (e instanceof UnrecognisedCommand) throw new Unrecognised(c.offset, c.text, e.why);
            throw e;
          }
        }
        if (r.stdout) rio.out(r.stdout);
        if (r.stderr) rio.err(r.stderr);
        return r.code;
      });
    }
    this.status = st;
    if (st !== 0 && !ignore && this.errexit) throw new Exit(st);
    return st;
  }

  private substStatus: number | undefined;
  /** Where the simple command being run starts (for error messages). */
  private at = 0;

  private expand(w: Word): string {
    return w.map((p) => this.expandPart(p)).join("");
  }

  private expandPart(p: Part): string {
    switch (p.t) {
      case "lit":
      case "sq":
        return p.v;
      case "dq":
        return p.parts.map((q) => this.expandPart(q)).join("");
      case "var":
        return p.name === "?" ? String(this.status) : (this.vars.get(p.name) ?? "");
      case "cmdsub": {
        let out = "";
        const saved = this.errexit;
        this.errexit = false; // bash: command substitution does not inherit -e
        let st: number;
        try {
          st = this.runList(p.list, { stdin: "", out: (s) => (out += s), err: () => undefined }, true);
        } catch (e) {
          if (!(e instanceof Exit)) throw e;
          st = e.code;
        } finally {
          this.errexit = saved;
        }
        this.substStatus = st;
        this.status = st;
        return out.replace(/\n+$/, "");
      }
    }
  }

  /** Shell builtins that need no host: set, true, false, :, echo, printf. */
  private builtin(argv: string[]): CommandResult | undefined {
    const ok = (stdout = ""): CommandResult => ({ code: 0, stdout, stderr: "" });
    switch (argv[0]) {
      case "true":
      case ":":
        return ok();
      case "false":
        return { code: 1, stdout: "", stderr: "" };
      case "set":
        for (let i = 1; i < argv.length; i++) {
          const a = argv[i];
          const on = a[0] === "-";
          if (a === "-e" || a === "+e") this.errexit = on;
          else if ((a === "-o" || a === "+o") && (argv[i + 1] === "pipefail" || argv[i + 1] === "errexit")) {
            if (argv[++i] === "pipefail") this.pipefail = on;
            else this.errexit = on;
          } else throw new UnrecognisedCommand(`set ${a} is not simulated`);
        }
        return ok();
      case "echo": {
        const noNewline = argv[1] === "-n";
        return ok(argv.slice(noNewline ? 2 : 1).join(" ") + (noNewline ? "" : "\n"));
      }
      case "printf":
        if (argv.length < 2) return { code: 2, stdout: "", stderr: "printf: usage: printf [-v var] format [arguments]\n" };
        return ok(printf(argv[1], argv.slice(2)));
      default:
        return undefined;
    }
  }
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', "'": "'", a: "\x07", "0": "\0" };

/** bash's printf for %s, %d and %% (the format is reused while arguments remain). */
export function printf(format: string, args: string[]): string {
  let out = "";
  let i = 0;
  do {
    let consumed = false;
    for (let k = 0; k < format.length; k++) {
      const c = format[k];
      if (c === "\\" && k + 1 < format.length) {
        const e = ESCAPES[format[++k]];
        if (e === undefined) throw new UnrecognisedCommand(`printf escape \\${format[k]} is not simulated`);
        out += e;
      } else if (c === "%") {
        const f = format[++k];
        if (f === "%") out += "%";
        else if (f === "s") {
          out += args[i++] ?? "";
          consumed = true;
        } else if (f === "d") {
          out += String(Number.parseInt(args[i++] ?? "0", 10) || 0);
          consumed = true;
        } else throw new UnrecognisedCommand(`printf conversion %${f ?? ""} is not simulated`);
      } else out += c;
    }
    if (!consumed) break;
  } while (i < args.length);
  return out;
}

/** Run a whole script. Stops at the first command or syntax the simulator does not know: exit 127. */
export function runBash(script: string, host: CommandHost): ScriptResult {
  let stdout = "";
  let stderr = "";
  const io: Io = { stdin: "", out: (s) => (stdout += s), err: (s) => (stderr += s) };
  const lineAt = (offset: number) => {
    const line = script.slice(0, offset).split("\n").length;
    return { line, lineText: script.split("\n")[line - 1] ?? "" };
  };
  let list: List;
  try {
    list = new Parser(script).program();
  } catch (e) {
    if (!(e instanceof BashSyntaxError)) throw e;
    const where = lineAt(e.offset);
    const why = `syntax the simulator does not know: ${e.message}`;
    return { code: 127, stdout, stderr: `sim: ${why} at line ${where.line}: ${where.lineText}\n`, unrecognised: { ...where, command: where.lineText, why } };
  }
  const sh = new Interpreter(host);
  try {
    const code = sh.runList(list, io, false);
    return { code, stdout, stderr };
  } catch (e) {
    if (e instanceof Exit) return { code: e.code, stdout, stderr };
    if (e instanceof Unrecognised) {
      const where = lineAt(e.offset);
      stderr += `sim: unrecognised command at line ${where.line}: ${e.command}\n  (${e.why})\n  in: ${where.lineText}\n`;
      return { code: 127, stdout, stderr, unrecognised: { ...where, command: e.command, why: e.why } };
    }
    throw e;
  }
}
