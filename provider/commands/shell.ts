/**
 * Shell is a boundary.
 *
 * Every value that reaches a remote shell passes through exactly one function, `quote`.
 * Every command line is a `ShellLine`, a branded string that only this module mints:
 *
 *  - `sh` (a tagged template) and `argv` build simple commands. The literal text of an `sh`
 *    template may hold only plain words (letters, digits, space and `_=,.:/@%+-`); every
 *    interpolated string is quoted, every interpolated number must be a safe integer.
 *  - the combinators below (`ifThen`, `unless`, `ignoreFailure`, `pipe`, redirections, ...) are the
 *    only places that put shell syntax (`;`, `|`, `>`, `$?`, `if`) around ShellLines, and they
 *    join only ShellLines and constants of this module.
 *  - `script` renders lines as a `set -e -o pipefail` bash script; `remoteCommand` turns it into
 *    one command for an SSH exec channel (optionally through `sudo -n`).
 *
 * Builders elsewhere never concatenate strings into commands; a unit test checks that no
 * other module casts to ShellLine.
 */

declare const shellLineBrand: unique symbol;

/** One complete shell command (simple, compound or pipeline), safe to put on a line of its own. */
export type ShellLine = string & { readonly [shellLineBrand]: "ShellLine" };

function mint(text: string): ShellLine {
  return text as ShellLine;
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
  readonly #text: string;
  constructor(text: string) {
    this.#text = text;
  }
  static textOf(f: FragmentImpl): string {
    return f.#text;
  }
  toString(): string {
    return this.#text;
  }
}

/** A piece of a command (several words) built with `frag`, to be interpolated into `sh`. */
export type Fragment = FragmentImpl;

/** What may be interpolated into `sh` / `frag`. `null`, `undefined` and `false` leave nothing. */
export type Atom = string | number | Fragment;
export type Interpolation = Atom | readonly Atom[] | null | undefined | false;

const PLAIN_LITERAL = /^[A-Za-z0-9 _=,.:/@%+-]*$/;

function renderAtom(a: Atom): string {
  if (typeof a === "string") return quote(a);
  if (typeof a === "number") {
    if (!Number.isSafeInteger(a)) throw new Error(`sh: only safe integers may be interpolated, got ${a}`);
    return String(a);
  }
  if (a instanceof FragmentImpl) return FragmentImpl.textOf(a);
  throw new TypeError(`sh: cannot interpolate a ${typeof a}`);
}

function render(strings: TemplateStringsArray, values: readonly Interpolation[]): string {
  if (!Array.isArray(strings) || !Object.isFrozen(strings) || !Array.isArray((strings as { raw?: unknown }).raw)) {
    throw new TypeError("sh: use it as a tagged template (sh`...`)");
  }
  for (const lit of strings) {
    if (!PLAIN_LITERAL.test(lit)) {
      throw new Error(`sh: template text may hold only plain words, got ${JSON.stringify(lit)}; interpolate values and use the combinators for shell syntax`);
    }
  }
  let out = strings[0];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let piece: string;
    if (v === null || v === undefined || v === false) piece = "";
    else if (Array.isArray(v)) piece = (v as readonly Atom[]).map(renderAtom).filter((s) => s !== "").join(" ");
    else piece = renderAtom(v as Atom);
    let next = strings[i + 1];
    if (piece === "") {
      // an omitted optional part must not leave a double space behind
      if (out.endsWith(" ") && (next.startsWith(" ") || next === "")) out = out.slice(0, -1);
      else if (out === "" && next.startsWith(" ")) next = next.slice(1);
    }
    out += piece + next;
  }
  return out.trim();
}

/** A simple command from a template: literal text is plain words, interpolations are quoted. */
export function sh(strings: TemplateStringsArray, ...values: Interpolation[]): ShellLine {
  const text = render(strings, values);
  if (text === "") throw new Error("sh: empty command");
  return mint(text);
}

/** Several words to interpolate into `sh` (e.g. an optional `replica 3 arbiter 1`). */
export function frag(strings: TemplateStringsArray, ...values: Interpolation[]): Fragment {
  return new FragmentImpl(render(strings, values));
}

/** A simple command whose every word (the command name too) is quoted. */
export function argv(...words: string[]): ShellLine {
  if (words.length === 0) throw new Error("argv: empty command");
  return mint(words.map(quote).join(" "));
}

// ---------------------------------------------------------------------------------------------
// Combinators. These are the only places shell syntax is written, always around ShellLines.

function body(lines: readonly ShellLine[], what: string): string {
  if (lines.length === 0) throw new Error(`${what}: needs at least one command`);
  return lines.join("; ");
}

/** `if <test>; then <body>; fi` — each body command is still under `set -e`. */
export function ifThen(test: ShellLine, ...then: ShellLine[]): ShellLine {
  return mint(`if ${test}; then ${body(then, "ifThen")}; fi`);
}

/** `if <test>; then <then>; else <otherwise>; fi` */
export function ifElse(test: ShellLine, then: readonly ShellLine[], otherwise: readonly ShellLine[]): ShellLine {
  return mint(`if ${test}; then ${body(then, "ifElse")}; else ${body(otherwise, "ifElse")}; fi`);
}

/** `if ! <test>; then <body>; fi` — the guarded, idempotent form: do it unless it is done. */
export function unless(test: ShellLine, ...then: ShellLine[]): ShellLine {
  return mint(`if ! ${test}; then ${body(then, "unless")}; fi`);
}

/** `! <line>` — negated status, for tests. */
export function not(line: ShellLine): ShellLine {
  return mint(`! ${line}`);
}

/** `a && b && ...` — for tests only (failures inside && do not trip `set -e`). */
export function allOf(...lines: ShellLine[]): ShellLine {
  if (lines.length === 0) throw new Error("allOf: needs at least one command");
  return mint(lines.join(" && "));
}

/** `a || b || ...` — for tests only. */
export function anyOf(...lines: ShellLine[]): ShellLine {
  if (lines.length === 0) throw new Error("anyOf: needs at least one command");
  return mint(lines.join(" || "));
}

/** `a | b | ...` (the script runs with pipefail). */
export function pipe(...lines: ShellLine[]): ShellLine {
  if (lines.length < 2) throw new Error("pipe: needs at least two commands");
  return mint(lines.join(" | "));
}

/** `{ <line> || true; }` — run it, never fail the script because of it. */
export function ignoreFailure(line: ShellLine): ShellLine {
  return mint(`{ ${line} || true; }`);
}

/** `{ <line>; } >/dev/null 2>&1` — for tests whose output is noise. */
export function silently(line: ShellLine): ShellLine {
  return mint(`{ ${line}; } >/dev/null 2>&1`);
}

/** `{ <line>; } 2>/dev/null` */
export function withoutStderr(line: ShellLine): ShellLine {
  return mint(`{ ${line}; } 2>/dev/null`);
}

/** `{ <line>; } > 'file'` */
export function writeTo(line: ShellLine, file: string): ShellLine {
  return mint(`{ ${line}; } > ${quote(file)}`);
}

/** `{ <line>; } >> 'file'` */
export function appendTo(line: ShellLine, file: string): ShellLine {
  return mint(`{ ${line}; } >> ${quote(file)}`);
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** `NAME='value' ... <simple command>` — pass values by environment (e.g. to awk's ENVIRON). */
export function withEnv(vars: Readonly<Record<string, string>>, line: ShellLine): ShellLine {
  const names = Object.keys(vars);
  if (names.length === 0) return line;
  for (const n of names) if (!ENV_NAME.test(n)) throw new Error(`withEnv: '${n}' is not an environment variable name`);
  return mint(`${names.map((n) => `${n}=${quote(vars[n])}`).join(" ")} ${line}`);
}

/**
 * Append one line to a file, as one write. If the file does not end with a newline, one is added
 * first, so the new line never glues onto the last one.
 */
export function appendLineToFile(line: string, file: string): ShellLine {
  return mint(`{ ${lineAfterFile(line, file, "appendLineToFile")}; } >> ${quote(file)}`);
}

/** Commands printing `line` so that, written after `file`'s content, it stands on a line of its own. */
function lineAfterFile(line: string, file: string, caller: string): string {
  if (/[\n\r]/.test(line)) throw new Error(`${caller}: the line must not contain a newline`);
  const f = quote(file);
  return `if [ -s ${f} ] && [ -n "$(tail -c 1 ${f})" ]; then echo; fi; printf '%s\\n' ${quote(line)}`;
}

/** Exit 0 iff `file` has a line equal to `line` (byte for byte). */
export function fileHasLine(line: string, file: string): ShellLine {
  if (/[\n\r]/.test(line)) throw new Error("fileHasLine: the line must not contain a newline");
  return mint(`grep -qxF -e ${quote(line)} ${quote(file)}`);
}

/**
 * The lock every edit of a file on a node takes (flock(1), on tmpfs: gone at reboot): edits from
 * concurrent operations, processes and hosts' engines run one at a time, so no read-modify-write ever
 * starts from a copy another edit is about to replace.
 */
export const EDIT_LOCK = "/run/lock/pgfs-edit.lock";

/** Run `body` holding the edit lock (waits up to 120 s, then fails). */
export function underEditLock(...body: ShellLine[]): ShellLine {
  return mint(`{ flock -w 120 9; ${body.join("; ")}; } 9>>${quote(EDIT_LOCK)}`);
}

/**
 * Replace `file` with what `produce` prints, atomically: a new temp file beside it (same mode and
 * owner: `cp -p`), synced, renamed over it. A reader or a crash sees the old file or the new one,
 * never a half-written or empty one.
 */
function replaceFile(file: string, produce: string): string {
  const f = quote(file);
  return `pgfs_tmp=$(mktemp ${quote(`${file}.pgfs-`)}XXXXXX); cp -p ${f} "$pgfs_tmp"; ${produce} > "$pgfs_tmp"; sync "$pgfs_tmp"; mv -f "$pgfs_tmp" ${f}`;
}

/** Append `line` to `file` unless it is already there (idempotent), as one atomic replacement under the edit lock. */
export function ensureLineInFile(line: string, file: string): ShellLine {
  const produce = `{ cat ${quote(file)}; ${lineAfterFile(line, file, "ensureLineInFile")}; }`;
  return underEditLock(unless(fileHasLine(line, file), mint(replaceFile(file, produce))));
}

/**
 * Drop every line of a whitespace-separated table file (fstab, mtab) whose field `field`
 * equals `value` exactly (comment lines are kept), keeping a copy as `file<backupSuffix>`; does nothing (no backup, no
 * rewrite) when no line matches. Under the edit lock; the file is replaced atomically (same mode and owner).
 */
export function removeTableLines(file: string, field: number, value: string, backupSuffix = ".save"): ShellLine {
  if (!Number.isSafeInteger(field) || field < 1) throw new Error("removeTableLines: field is a 1-based column");
  if (/[\n\r]/.test(value) || value === "") throw new Error("removeTableLines: value must be one non-empty line");
  const f = quote(file);
  const env = `PGFS_MATCH=${quote(value)}`;
  const found = quote(`!/^[ \\t]*#/ && $${field} == ENVIRON["PGFS_MATCH"] { found = 1 } END { exit !found }`);
  const keep = quote(`/^[ \\t]*#/ || $${field} != ENVIRON["PGFS_MATCH"]`);
  return underEditLock(mint(`if ${env} awk ${found} ${f}; then cp -p ${f} ${quote(file + backupSuffix)}; ${replaceFile(file, `${env} awk ${keep} ${f}`)}; fi`));
}

/** Exit 0 iff the command's whole stdout, trimmed, equals `expected`. */
export function outputIs(line: ShellLine, expected: string): ShellLine {
  if (/[\n\r]/.test(expected)) throw new Error("outputIs: expected must be one line");
  return mint(`[ "$(${line})" = ${quote(expected)} ]`);
}

/** Exit 0 iff the command succeeds and its stdout, with blanks trimmed, is the integer `n`. */
export function outputIsInteger(line: ShellLine, n: number): ShellLine {
  if (!Number.isSafeInteger(n)) throw new Error("outputIsInteger: n must be a safe integer");
  return mint(`[ "$(${line} | tr -d '[:space:]')" = ${quote(String(n))} ]`);
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
  const begin = quote(`${SECTION_MARK}${name}`);
  const end = quote(`\\n${SECTION_MARK}${name} rc=%s\\n`);
  return mint(`printf '%s\\n' ${begin}; pgfs_rc=0; { ${line}; } || pgfs_rc=$?; printf ${end} "$pgfs_rc"`);
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

export interface ScriptOptions {
  /** run as root through `sudo -n bash -c <script>` */
  sudo?: boolean;
}

/** The bash script text: `set -e -o pipefail` then one line per command. */
function scriptText(lines: readonly ShellLine[]): string {
  return ["set -e -o pipefail", ...lines].join("\n") + "\n";
}

/**
 * Render lines as a bash script (`set -e -o pipefail`, one command per line). With `sudo`, the
 * result is the single command `sudo -n bash -c '<script>'`.
 */
export function script(lines: readonly ShellLine[], opts: ScriptOptions = {}): string {
  const text = scriptText(lines);
  return opts.sudo ? `sudo -n bash -c ${quote(text)}` : text;
}

/**
 * One command for an SSH exec channel, independent of the remote login shell:
 * `bash -c '<script>'`, or `sudo -n bash -c '<script>'`.
 */
export function remoteCommand(lines: readonly ShellLine[], opts: ScriptOptions = {}): string {
  const text = scriptText(lines);
  return `${opts.sudo ? "sudo -n " : ""}bash -c ${quote(text)}`;
}
