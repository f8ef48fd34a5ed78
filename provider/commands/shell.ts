/**
 * Shell is a boundary.
 *
 * Every value that reaches a remote shell passes through exactly one function, `quote`.
 * Every command line is a `ShellLine`: a typed tree (a simple command as its words, or one node per
 * combinator) that only this module mints:
 *
 *  - `sh` (a tagged template) and `argv` build simple commands. The literal text of an `sh`
 *    template may hold only plain words (letters, digits, space and `_=,.:/@%+-`); every
 *    interpolated string is one quoted word, every interpolated number must be a safe integer.
 *  - the combinators below (`ifThen`, `unless`, `ignoreFailure`, `pipe`, redirections, file edits, ...)
 *    are the only nodes that stand for shell syntax (`;`, `|`, `>`, `$?`, `if`), always around ShellLines.
 *  - `render` turns a line into bash text; `script` gathers lines into the `Script` an Executor runs,
 *    and `scriptText` renders it as a `set -e -o pipefail` bash script (optionally through `sudo -n`).
 *
 * The tree is what lets a stand-in node (devtools/sim) run a script without parsing bash: it reads
 * the argv of each command and the meaning of each combinator, while real nodes get the text.
 * Builders elsewhere never concatenate strings into commands; a unit test checks that no
 * other module casts to ShellLine.
 */

declare const shellLineBrand: unique symbol;

/** One word of a simple command: as written in the script (quotes included) and as the program receives it. */
export interface Word {
  readonly text: string;
  readonly value: string;
}

/** `NAME=value` before a simple command. */
export interface EnvAssignment {
  readonly name: string;
  readonly value: string;
}

/** The node kinds: a simple command, then one per combinator (its doc comment says what it renders to). */
export type ShellNode =
  | { readonly kind: "command"; readonly env: readonly EnvAssignment[]; readonly words: readonly Word[] }
  | { readonly kind: "if"; readonly test: ShellLine; readonly then: readonly ShellLine[]; readonly otherwise: readonly ShellLine[] | null }
  | { readonly kind: "unless"; readonly test: ShellLine; readonly then: readonly ShellLine[] }
  | { readonly kind: "not"; readonly line: ShellLine }
  | { readonly kind: "allOf" | "anyOf" | "pipe"; readonly lines: readonly ShellLine[] }
  | { readonly kind: "ignoreFailure" | "silently" | "withoutStderr"; readonly line: ShellLine }
  | { readonly kind: "writeTo"; readonly line: ShellLine; readonly file: string; readonly append: boolean }
  | { readonly kind: "section"; readonly name: string; readonly line: ShellLine }
  | { readonly kind: "fileHasLine" | "appendLineToFile" | "ensureLineInFile"; readonly line: string; readonly file: string }
  | { readonly kind: "removeTableLines"; readonly file: string; readonly field: number; readonly value: string; readonly backupSuffix: string }
  | { readonly kind: "underEditLock"; readonly body: readonly ShellLine[] }
  | { readonly kind: "outputIs"; readonly line: ShellLine; readonly expected: string }
  | { readonly kind: "outputIsInteger"; readonly line: ShellLine; readonly n: number };

/** One complete shell command (simple, compound or pipeline), safe to put on a line of its own. */
export type ShellLine = ShellNode & { readonly [shellLineBrand]: "ShellLine" };

function mint(node: ShellNode): ShellLine {
  return Object.freeze(node) as ShellLine;
}

/**
 * POSIX single-quote quoting: the result is one shell word whose value is exactly `value`.
 * `'` is encoded as `'\''`; everything else (newlines, `$`, backticks, `\`) is literal inside
 * single quotes. NUL cannot be passed through argv at all, so it is refused.
 */
export function quote(value: string): string {
  if (typeof value !== "string") throw new TypeError(`quote: expected a string, got ${typeof value}`);
  if (value.includes("\0")) throw new Error("quote: a NUL byte cannot be passed to a shell");
  return "'" + value.replace(/'/g, "'\\''") + "'";
}

class FragmentImpl {
  readonly #words: readonly Word[];
  constructor(words: readonly Word[]) {
    this.#words = words;
  }
  static wordsOf(f: FragmentImpl): readonly Word[] {
    return f.#words;
  }
  toString(): string {
    return this.#words.map((w) => w.text).join(" ");
  }
}

/** A piece of a command (several words) built with `frag`, to be interpolated into `sh`. */
export type Fragment = FragmentImpl;

/** What may be interpolated into `sh` / `frag`. `null`, `undefined` and `false` leave nothing. */
export type Atom = string | number | Fragment;
export type Interpolation = Atom | readonly Atom[] | null | undefined | false;

const PLAIN_LITERAL = /^[A-Za-z0-9 _=,.:/@%+-]*$/;

/** The words of one atom: a string is one quoted word, a number one bare word, a fragment its words. */
function atomWords(a: Atom): readonly Word[] {
  if (typeof a === "string") return [{ text: quote(a), value: a }];
  if (typeof a === "number") {
    if (!Number.isSafeInteger(a)) throw new Error(`sh: only safe integers may be interpolated, got ${a}`);
    return [{ text: String(a), value: String(a) }];
  }
  if (a instanceof FragmentImpl) return FragmentImpl.wordsOf(a);
  throw new TypeError(`sh: cannot interpolate a ${typeof a}`);
}

/**
 * Split a template into words: its literal text on spaces, each interpolated atom its own word(s). A
 * piece written against another with no space between (`--size ${n}K`) extends the same word.
 */
function words(strings: TemplateStringsArray, values: readonly Interpolation[]): Word[] {
  if (!Array.isArray(strings) || !Object.isFrozen(strings) || !Array.isArray((strings as { raw?: unknown }).raw)) {
    throw new TypeError("sh: use it as a tagged template (sh`...`)");
  }
  for (const lit of strings) {
    if (!PLAIN_LITERAL.test(lit)) {
      throw new Error(`sh: template text may hold only plain words, got ${JSON.stringify(lit)}; interpolate values and use the combinators for shell syntax`);
    }
  }
  const out: Word[] = [];
  let cur: { text: string; value: string } | undefined;
  const extend = (w: Word) => {
    cur = cur ? { text: cur.text + w.text, value: cur.value + w.value } : { ...w };
  };
  const end = () => {
    if (cur) out.push(cur);
    cur = undefined;
  };
  const literal = (s: string) =>
    s.split(" ").forEach((piece, i) => {
      if (i > 0) end();
      if (piece !== "") extend({ text: piece, value: piece });
    });
  const atoms = (ws: readonly Word[]) =>
    ws.forEach((w, i) => {
      if (i > 0) end();
      extend(w);
    });
  literal(strings[0]);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined && v !== false) atoms(Array.isArray(v) ? (v as readonly Atom[]).flatMap(atomWords) : atomWords(v as Atom));
    literal(strings[i + 1]);
  }
  end();
  return out;
}


/** A simple command from a template: literal text is plain words, interpolations are quoted. */
export function sh(strings: TemplateStringsArray, ...values: Interpolation[]): ShellLine {
  const ws = words(strings, values);
  if (ws.length === 0) throw new Error("sh: empty command");
  return mint({ kind: "command", env: [], words: ws });
}

/** Several words to interpolate into `sh` (e.g. an optional `replica 3 arbiter 1`). */
export function frag(strings: TemplateStringsArray, ...values: Interpolation[]): Fragment {
  return new FragmentImpl(words(strings, values));
}

/** A simple command whose every word (the command name too) is quoted. */
export function argv(...values: string[]): ShellLine {
  if (values.length === 0) throw new Error("argv: empty command");
  return mint({ kind: "command", env: [], words: values.map((v) => ({ text: quote(v), value: v })) });
}

// ---------------------------------------------------------------------------------------------
// Combinators. Each is one node kind; `render` below is the only place their shell syntax is written.

function atLeastOne(lines: readonly ShellLine[], what: string): readonly ShellLine[] {
  if (lines.length === 0) throw new Error(`${what}: needs at least one command`);
  return lines;
}

function oneLine(text: string, what: string): void {
  if (/[\n\r]/.test(text)) throw new Error(`${what}: the line must not contain a newline`);
}

/** `if <test>; then <body>; fi` — each body command is still under `set -e`. */
export function ifThen(test: ShellLine, ...then: ShellLine[]): ShellLine {
  return mint({ kind: "if", test, then: atLeastOne(then, "ifThen"), otherwise: null });
}

/** `if <test>; then <then>; else <otherwise>; fi` */
export function ifElse(test: ShellLine, then: readonly ShellLine[], otherwise: readonly ShellLine[]): ShellLine {
  return mint({ kind: "if", test, then: atLeastOne(then, "ifElse"), otherwise: atLeastOne(otherwise, "ifElse") });
}

/** `if ! <test>; then <body>; fi` — the guarded, idempotent form: do it unless it is done. */
export function unless(test: ShellLine, ...then: ShellLine[]): ShellLine {
  return mint({ kind: "unless", test, then: atLeastOne(then, "unless") });
}

/** `! <line>` — negated status, for tests. */
export function not(line: ShellLine): ShellLine {
  return mint({ kind: "not", line });
}

/** `a && b && ...` — for tests only (failures inside && do not trip `set -e`). */
export function allOf(...lines: ShellLine[]): ShellLine {
  return mint({ kind: "allOf", lines: atLeastOne(lines, "allOf") });
}

/** `a || b || ...` — for tests only. */
export function anyOf(...lines: ShellLine[]): ShellLine {
  return mint({ kind: "anyOf", lines: atLeastOne(lines, "anyOf") });
}

/** `a | b | ...` (the script runs with pipefail). */
export function pipe(...lines: ShellLine[]): ShellLine {
  if (lines.length < 2) throw new Error("pipe: needs at least two commands");
  return mint({ kind: "pipe", lines });
}

/** `{ <line> || true; }` — run it, never fail the script because of it. */
export function ignoreFailure(line: ShellLine): ShellLine {
  return mint({ kind: "ignoreFailure", line });
}

/** `{ <line>; } >/dev/null 2>&1` — for tests whose output is noise. */
export function silently(line: ShellLine): ShellLine {
  return mint({ kind: "silently", line });
}

/** `{ <line>; } 2>/dev/null` */
export function withoutStderr(line: ShellLine): ShellLine {
  return mint({ kind: "withoutStderr", line });
}

/** `{ <line>; } > 'file'` */
export function writeTo(line: ShellLine, file: string): ShellLine {
  return mint({ kind: "writeTo", line, file, append: false });
}

/** `{ <line>; } >> 'file'` */
export function appendTo(line: ShellLine, file: string): ShellLine {
  return mint({ kind: "writeTo", line, file, append: true });
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** `NAME='value' ... <simple command>` — pass values by environment (e.g. to awk's ENVIRON). */
export function withEnv(vars: Readonly<Record<string, string>>, line: ShellLine): ShellLine {
  const names = Object.keys(vars);
  if (names.length === 0) return line;
  for (const n of names) if (!ENV_NAME.test(n)) throw new Error(`withEnv: '${n}' is not an environment variable name`);
  if (line.kind !== "command") throw new Error("withEnv: only a simple command takes environment assignments");
  return mint({ ...line, env: [...names.map((name) => ({ name, value: vars[name] })), ...line.env] });
}

/**
 * Append one line to a file, as one write. If the file does not end with a newline, one is added
 * first, so the new line never glues onto the last one.
 */
export function appendLineToFile(line: string, file: string): ShellLine {
  oneLine(line, "appendLineToFile");
  return mint({ kind: "appendLineToFile", line, file });
}

/** Exit 0 iff `file` has a line equal to `line` (byte for byte). */
export function fileHasLine(line: string, file: string): ShellLine {
  oneLine(line, "fileHasLine");
  return mint({ kind: "fileHasLine", line, file });
}

/**
 * The lock every edit of a file on a node takes (flock(1), on tmpfs: gone at reboot): edits from
 * concurrent operations, processes and hosts' engines run one at a time, so no read-modify-write ever
 * starts from a copy another edit is about to replace.
 */
export const EDIT_LOCK = "/run/lock/pgfs-edit.lock";

/** Run `body` holding the edit lock (waits up to 120 s, then fails). */
export function underEditLock(...body: ShellLine[]): ShellLine {
  return mint({ kind: "underEditLock", body });
}

/**
 * Append `line` to `file` unless it is already there (idempotent), as one atomic replacement under
 * the edit lock: a new temp file beside it (same mode and owner), synced, renamed over it.
 */
export function ensureLineInFile(line: string, file: string): ShellLine {
  oneLine(line, "ensureLineInFile");
  return mint({ kind: "ensureLineInFile", line, file });
}

/**
 * Drop every line of a whitespace-separated table file (fstab, mtab) whose field `field`
 * equals `value` exactly (comment lines are kept), keeping a copy as `file<backupSuffix>`; does nothing (no backup, no
 * rewrite) when no line matches. Under the edit lock; the file is replaced atomically (same mode and owner).
 */
export function removeTableLines(file: string, field: number, value: string, backupSuffix = ".save"): ShellLine {
  if (!Number.isSafeInteger(field) || field < 1) throw new Error("removeTableLines: field is a 1-based column");
  if (/[\n\r]/.test(value) || value === "") throw new Error("removeTableLines: value must be one non-empty line");
  return mint({ kind: "removeTableLines", file, field, value, backupSuffix });
}

/** Exit 0 iff the command's whole stdout, trimmed, equals `expected`. */
export function outputIs(line: ShellLine, expected: string): ShellLine {
  if (/[\n\r]/.test(expected)) throw new Error("outputIs: expected must be one line");
  return mint({ kind: "outputIs", line, expected });
}

/** Exit 0 iff the command succeeds and its stdout, with blanks trimmed, is the integer `n`. */
export function outputIsInteger(line: ShellLine, n: number): ShellLine {
  if (!Number.isSafeInteger(n)) throw new Error("outputIsInteger: n must be a safe integer");
  return mint({ kind: "outputIsInteger", line, n });
}

/** Section marker used by `section` and parsed by `splitSections`. */
export const SECTION_MARK = "=== pgfs:";

/**
 * Run `line` and frame its stdout, so one script can carry several probes:
 *   === pgfs:<name>
 *   ...stdout...
 *   (newline)=== pgfs:<name> rc=<status>
 * (the extra newline before the end mark lets `splitSections` give back stdout byte for byte)
 * A failing command never aborts the script; its status is reported instead.
 */
export function section(name: string, line: ShellLine): ShellLine {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`section: bad name '${name}'`);
  return mint({ kind: "section", name, line });
}

export interface Section {
  name: string;
  rc: number;
  output: string;
}

/** Split the output of a script made of `section`s. Text outside sections is ignored. */
export function splitSections(stdout: string): Map<string, Section> {
  const out = new Map<string, Section>();
  const lines = stdout.split("\n");
  let current: { name: string; body: string[] } | undefined;
  for (const l of lines) {
    if (l.startsWith(SECTION_MARK)) {
      const rest = l.slice(SECTION_MARK.length);
      const m = /^([a-z][a-z0-9-]*) rc=(\d+)$/.exec(rest);
      if (m && current && current.name === m[1]) {
        out.set(m[1], { name: m[1], rc: Number(m[2]), output: current.body.join("\n") });
        current = undefined;
        continue;
      }
      if (/^[a-z][a-z0-9-]*$/.test(rest)) {
        current = { name: rest, body: [] };
        continue;
      }
    }
    if (current) current.body.push(l);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rendering: the bash text of each node, the one place shell syntax is written.

/** Commands printing `line` so that, written after `file`'s content, it stands on a line of its own. */
function lineAfterFile(line: string, file: string): string {
  const f = quote(file);
  return `if [ -s ${f} ] && [ -n "$(tail -c 1 ${f})" ]; then echo; fi; printf '%s\\n' ${quote(line)}`;
}

function lockedText(body: string): string {
  return `{ flock -w 120 9; ${body}; } 9>>${quote(EDIT_LOCK)}`;
}

/** Replace `file` with what `produce` prints, atomically: temp file beside it (`cp -p`: same mode and owner), synced, renamed over it. */
function replaceFile(file: string, produce: string): string {
  const f = quote(file);
  return `pgfs_tmp=$(mktemp ${quote(`${file}.pgfs-`)}XXXXXX); cp -p ${f} "$pgfs_tmp"; ${produce} > "$pgfs_tmp"; sync "$pgfs_tmp"; mv -f "$pgfs_tmp" ${f}`;
}

function fileHasLineText(line: string, file: string): string {
  return `grep -qxF -e ${quote(line)} ${quote(file)}`;
}

const joined = (lines: readonly ShellLine[], sep: string) => lines.map(render).join(sep);

/** The bash text of one line. */
export function render(line: ShellLine): string {
  switch (line.kind) {
    case "command":
      return [...line.env.map((e) => `${e.name}=${quote(e.value)}`), ...line.words.map((w) => w.text)].join(" ");
    case "if":
      return line.otherwise
        ? `if ${render(line.test)}; then ${joined(line.then, "; ")}; else ${joined(line.otherwise, "; ")}; fi`
        : `if ${render(line.test)}; then ${joined(line.then, "; ")}; fi`;
    case "unless":
      return `if ! ${render(line.test)}; then ${joined(line.then, "; ")}; fi`;
    case "not":
      return `! ${render(line.line)}`;
    case "allOf":
      return joined(line.lines, " && ");
    case "anyOf":
      return joined(line.lines, " || ");
    case "pipe":
      return joined(line.lines, " | ");
    case "ignoreFailure":
      return `{ ${render(line.line)} || true; }`;
    case "silently":
      return `{ ${render(line.line)}; } >/dev/null 2>&1`;
    case "withoutStderr":
      return `{ ${render(line.line)}; } 2>/dev/null`;
    case "writeTo":
      return `{ ${render(line.line)}; } ${line.append ? ">>" : ">"} ${quote(line.file)}`;
    case "section": {
      const begin = quote(`${SECTION_MARK}${line.name}`);
      const end = quote(`\\n${SECTION_MARK}${line.name} rc=%s\\n`);
      return `printf '%s\\n' ${begin}; pgfs_rc=0; { ${render(line.line)}; } || pgfs_rc=$?; printf ${end} "$pgfs_rc"`;
    }
    case "fileHasLine":
      return fileHasLineText(line.line, line.file);
    case "appendLineToFile":
      return `{ ${lineAfterFile(line.line, line.file)}; } >> ${quote(line.file)}`;
    case "ensureLineInFile": {
      const produce = `{ cat ${quote(line.file)}; ${lineAfterFile(line.line, line.file)}; }`;
      return lockedText(`if ! ${fileHasLineText(line.line, line.file)}; then ${replaceFile(line.file, produce)}; fi`);
    }
    case "removeTableLines": {
      const f = quote(line.file);
      const env = `PGFS_MATCH=${quote(line.value)}`;
      const found = quote(`!/^[ \\t]*#/ && $${line.field} == ENVIRON["PGFS_MATCH"] { found = 1 } END { exit !found }`);
      const keep = quote(`/^[ \\t]*#/ || $${line.field} != ENVIRON["PGFS_MATCH"]`);
      return lockedText(`if ${env} awk ${found} ${f}; then cp -p ${f} ${quote(line.file + line.backupSuffix)}; ${replaceFile(line.file, `${env} awk ${keep} ${f}`)}; fi`);
    }
    case "underEditLock":
      return lockedText(joined(line.body, "; "));
    case "outputIs":
      return `[ "$(${render(line.line)})" = ${quote(line.expected)} ]`;
    case "outputIsInteger":
      return `[ "$(${render(line.line)} | tr -d '[:space:]')" = ${quote(String(line.n))} ]`;
  }
}

// ---------------------------------------------------------------------------------------------
// Scripts

/** What an Executor runs on a node: lines, run in order under `set -e -o pipefail`. */
export interface Script {
  readonly lines: readonly ShellLine[];
}

export function script(lines: readonly ShellLine[]): Script {
  return Object.freeze({ lines: Object.freeze([...lines]) });
}

export interface ScriptOptions {
  /** run as root through `sudo -n bash -c <script>` */
  sudo?: boolean;
}

/**
 * The bash text of a script: `set -e -o pipefail`, then one command per line. With `sudo`, the
 * result is the single command `sudo -n bash -c '<script>'`.
 */
export function scriptText(s: Script, opts: ScriptOptions = {}): string {
  const text = ["set -e -o pipefail", ...s.lines.map(render)].join("\n") + "\n";
  return opts.sudo ? `sudo -n bash -c ${quote(text)}` : text;
}
