import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  ShellLine,
  allOf,
  anyOf,
  appendLineToFile,
  appendTo,
  argv,
  ensureLineInFile,
  fileHasLine,
  frag,
  ifElse,
  ifThen,
  ignoreFailure,
  not,
  outputIs,
  outputIsInteger,
  pipe,
  quote,
  removeTableLines,
  render,
  script as scriptOf,
  scriptText,
  ScriptOptions,
  section,
  sh,
  silently,
  splitSections,
  unless,
  withEnv,
  withoutStderr,
  writeTo,
} from "../../provider/commands/shell";

/** A script's bash text, as SSH sends it. */
const script = (lines: ShellLine[], opts?: ScriptOptions): string => scriptText(scriptOf(lines), opts);

/** Run a command line through a real local bash and return its stdout, byte for byte. */
function bash(command: string, input?: string): string {
  return execFileSync("bash", ["-c", command], { encoding: "utf8", input, maxBuffer: 16 << 20 });
}

function bashStatus(command: string): number {
  try {
    execFileSync("bash", ["-c", command], { stdio: "ignore" });
    return 0;
  } catch (e) {
    return (e as { status: number }).status;
  }
}

const HOSTILE: Array<[string, string]> = [
  ["a command chained with ;", "x; rm -rf /"],
  ["a command substitution", "$(reboot)"],
  ["backticks", "`reboot`"],
  ["a newline followed by a command", "a\nrm -rf /"],
  ["a carriage return", "a\rb"],
  ["a single quote", "'"],
  ["two single quotes", "''"],
  ["the quote escape itself", "'\\''"],
  ["a quote that tries to close and reopen", "x' ; reboot ; echo '"],
  ["a double quote and a dollar", "\"$HOME\""],
  ["a parameter expansion", "${IFS}${PATH:0:1}"],
  ["an ANSI-C quote", "$'\\x41'"],
  ["a backslash at the end", "trailing\\"],
  ["glob characters", "*?[a-z]{x,y}~root"],
  ["history expansion", "!! !-1 !$"],
  ["redirections and pipes", "> /etc/passwd | cat < /etc/shadow &"],
  ["a path that climbs", "../../../etc/passwd"],
  ["an option-looking word", "-rf --no-preserve-root"],
  ["printf directives", "%s%n%x\\n"],
  ["tabs and runs of blanks", "a\t b   c"],
  ["the empty string", ""],
  ["non-ASCII text", "brück ✓ 卷 😀"],
  ["a very long string", "x'$(y)`z`;".repeat(9000)],
];

describe("Shell is a boundary: quoting", () => {
  for (const [what, value] of HOSTILE) {
    it(`a value with ${what} reaches the program byte for byte and runs nothing`, () => {
      assert.equal(bash(`printf '%s' ${quote(value)}`), value);
    });
  }

  it("every hostile value survives argv, sh and the bash -c layer of a sudo script", () => {
    const withoutSudo = (text: string) => text.replace(/^sudo -n /, "");
    for (const [, value] of HOSTILE.filter(([w]) => w !== "a very long string")) {
      assert.equal(bash(render(argv("printf", "%s", value))), value);
      assert.equal(bash(render(sh`printf %s ${value}`)), value);
      assert.equal(bash(withoutSudo(script([sh`printf %s ${value}`], { sudo: true }))), value);
    }
  });

  it("quote wraps in single quotes and encodes ' as '\\''", () => {
    assert.equal(quote("abc"), "'abc'");
    assert.equal(quote(""), "''");
    assert.equal(quote("it's"), "'it'\\''s'");
    assert.equal(quote("$(x)"), "'$(x)'");
  });

  it("a NUL byte cannot be smuggled: quote refuses it", () => {
    assert.throws(() => quote("a\0b"), /NUL/);
    assert.throws(() => sh`echo ${"a\0b"}`, /NUL/);
  });

  it("quote refuses what is not a string (a JavaScript caller cannot pass an object)", () => {
    assert.throws(() => quote(undefined as unknown as string), TypeError);
    assert.throws(() => sh`echo ${{} as unknown as string}`, TypeError);
    assert.throws(() => sh`echo ${true as unknown as string}`, TypeError);
  });

  it("sh templates may hold only plain words: shell syntax in the template text is refused", () => {
    assert.throws(() => sh`echo a; reboot`, /plain words/);
    assert.throws(() => sh`echo $(reboot)`, /plain words/);
    assert.throws(() => sh`echo 'quoted by hand'`, /plain words/);
    assert.throws(() => sh`cat x > /etc/passwd`, /plain words/);
    assert.throws(() => sh`echo a | sh`, /plain words/);
    assert.throws(() => sh`ls *`, /plain words/);
  });

  it("sh cannot be called with a forged template array", () => {
    const forged = Object.assign(["rm -rf /"], { raw: ["rm -rf /"] }) as unknown as TemplateStringsArray;
    assert.throws(() => sh(forged), /tagged template/);
  });

  it("numbers interpolate bare but only as safe integers", () => {
    assert.equal(render(sh`lvcreate --size ${1024}K`), "lvcreate --size 1024K");
    assert.throws(() => sh`lvcreate --size ${1.5}K`, /safe integers/);
    assert.throws(() => sh`lvcreate --size ${Number.NaN}K`, /safe integers/);
  });

  it("optional parts vanish without leaving double blanks; arrays quote each word", () => {
    assert.equal(render(sh`a ${undefined} b ${false} c ${null}`), "a b c");
    assert.equal(render(sh`a ${["x y", "z"]} b`), "a 'x y' 'z' b");
    assert.equal(render(sh`a ${[]} b`), "a b");
    assert.equal(render(sh`a ${frag`--flag ${"v"}`} b`), "a --flag 'v' b");
  });

  it("argv quotes every word, the command name too", () => {
    assert.equal(render(argv("ls", "-l", "a b")), "'ls' '-l' 'a b'");
    assert.throws(() => argv(), /empty/);
  });
});

describe("Shell is a boundary: only shell.ts mints ShellLines", () => {
  const sources = (rel: string): string[] => {
    const dir = path.resolve(__dirname, "../../..", rel);
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (e.name.endsWith(".ts")) files.push(path.join(d, e.name));
      }
    };
    walk(dir);
    return files.filter((f) => path.basename(f) !== "shell.ts");
  };

  it("no other module of provider/commands casts anything to a ShellLine", () => {
    const files = sources("provider/commands");
    assert.ok(files.length >= 5, "found the sources of provider/commands");
    for (const f of files) assert.doesNotMatch(fs.readFileSync(f, "utf8"), /as\s+ShellLine|<ShellLine>|as unknown as/, `${path.basename(f)} mints ShellLines by hand`);
  });

  it("no module of the product or the dev tools builds a ShellLine node by hand", () => {
    for (const f of [...sources("provider"), ...sources("devtools")]) {
      assert.doesNotMatch(fs.readFileSync(f, "utf8"), /as\s+ShellLine\b|<ShellLine>/, `${f} mints ShellLines by hand`);
    }
  });
});

describe("Shell is a boundary: combinators", () => {
  const yes = sh`true`;
  const no = sh`false`;
  const say = (w: string): ShellLine => sh`printf %s ${w}`;

  it("render exactly the syntax they name", () => {
    assert.equal(render(ifThen(yes, say("a"), say("b"))), "if true; then printf %s 'a'; printf %s 'b'; fi");
    assert.equal(render(ifElse(yes, [say("a")], [say("b")])), "if true; then printf %s 'a'; else printf %s 'b'; fi");
    assert.equal(render(unless(no, say("a"))), "if ! false; then printf %s 'a'; fi");
    assert.equal(render(not(no)), "! false");
    assert.equal(render(allOf(yes, no)), "true && false");
    assert.equal(render(anyOf(no, yes)), "false || true");
    assert.equal(render(pipe(say("a"), sh`cat`)), "printf %s 'a' | cat");
    assert.equal(render(ignoreFailure(no)), "{ false || true; }");
    assert.equal(render(silently(no)), "{ false; } >/dev/null 2>&1");
    assert.equal(render(withoutStderr(no)), "{ false; } 2>/dev/null");
    assert.equal(render(writeTo(say("a"), "/tmp/x y")), "{ printf %s 'a'; } > '/tmp/x y'");
    assert.equal(render(appendTo(say("a"), "/tmp/x")), "{ printf %s 'a'; } >> '/tmp/x'");
    assert.equal(render(withEnv({ A_B: "$(x)" }, sh`env`)), "A_B='$(x)' env");
    assert.equal(render(fileHasLine("a b", "/etc/fstab")), "grep -qxF -e 'a b' '/etc/fstab'");
    assert.equal(render(outputIs(sh`hostname`, "n1")), `[ "$(hostname)" = 'n1' ]`);
    assert.equal(render(outputIsInteger(sh`wc -l`, 0)), `[ "$(wc -l | tr -d '[:space:]')" = '0' ]`);
  });

  it("behave as named when bash runs them", () => {
    assert.equal(bash(script([ifThen(yes, say("then"))])), "then");
    assert.equal(bash(script([ifElse(no, [say("then")], [say("else")])])), "else");
    assert.equal(bash(script([unless(no, say("ran"))])), "ran");
    assert.equal(bash(script([ignoreFailure(no), say("went on")])), "went on");
    assert.equal(bash(script([ifThen(outputIsInteger(sh`echo ${"  0 "}`, 0), say("zero"))])), "zero");
    assert.equal(bash(script([ifThen(outputIsInteger(withoutStderr(sh`false`), 0), say("zero"))])), "");
    assert.equal(bash(script([withEnv({ PGFS_X: "a'b" }, sh`printenv PGFS_X`)])), "a'b\n");
  });

  it("refuse to build what would be malformed", () => {
    assert.throws(() => ifThen(yes), /at least one/);
    assert.throws(() => pipe(yes), /two/);
    assert.throws(() => withEnv({ "A;B": "x" }, yes), /variable name/);
    assert.throws(() => appendLineToFile("a\nb", "/tmp/f"), /newline/);
    assert.throws(() => section("Bad Name", yes), /bad name/);
  });
});

describe("Shell is a boundary: scripts", () => {
  it("a script is set -e -o pipefail, then one command per line", () => {
    assert.equal(script([sh`true`, sh`echo ${"x"}`]), "set -e -o pipefail\ntrue\necho 'x'\n");
  });

  it("with sudo, the script becomes one sudo -n bash -c command", () => {
    assert.equal(script([sh`true`], { sudo: true }), "sudo -n bash -c 'set -e -o pipefail\ntrue\n'");
  });

  it("a failing command stops the script (set -e), also inside a pipeline (pipefail)", () => {
    assert.notEqual(bashStatus(script([sh`false`, sh`touch /nonexistent/should-not-run`])), 0);
    assert.equal(bash(script([anyOf(pipe(sh`false`, sh`cat`), sh`printf %s ${"pipefail seen"}`)])), "pipefail seen");
  });
});

describe("Shell is a boundary: sections carry several probes in one script", () => {
  it("splitSections gives back each command's stdout byte for byte and its exit status", () => {
    const out = bash(
      script([
        section("with-newline", sh`printf ${"a\nb\n"}`),
        section("without-newline", sh`printf %s ${"no newline"}`),
        section("empty", sh`true`),
        section("fails", sh`sh -c ${"echo partial; exit 3"}`),
      ]),
    );
    const s = splitSections(out);
    assert.deepEqual(s.get("with-newline"), { name: "with-newline", rc: 0, output: "a\nb\n" });
    assert.deepEqual(s.get("without-newline"), { name: "without-newline", rc: 0, output: "no newline" });
    assert.deepEqual(s.get("empty"), { name: "empty", rc: 0, output: "" });
    assert.deepEqual(s.get("fails"), { name: "fails", rc: 3, output: "partial\n" });
  });
});

describe("Shell is a boundary: editing fstab-like files", () => {
  let dir: string;
  let fstab: string;
  const line = "/dev/mapper/vg_x-brick_a /var/lib/heketi/mounts/vg_x/brick_a xfs rw 1 2";
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-fstab-"));
    fstab = path.join(dir, "fstab");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("an fstab without a final newline gets the new line on a line of its own", () => {
    fs.writeFileSync(fstab, "/dev/vda / ext4 defaults 0 1");
    bash(script([appendLineToFile(line, fstab)]));
    assert.equal(fs.readFileSync(fstab, "utf8"), `/dev/vda / ext4 defaults 0 1\n${line}\n`);
  });

  it("ensuring a line twice writes it once", () => {
    fs.writeFileSync(fstab, "/dev/vda / ext4 defaults 0 1\n");
    bash(script([ensureLineInFile(line, fstab), ensureLineInFile(line, fstab)]));
    assert.equal(fs.readFileSync(fstab, "utf8"), `/dev/vda / ext4 defaults 0 1\n${line}\n`);
  });

  it("removing a mount point drops exactly its lines, keeps a .save copy, and keeps neighbours with a longer name", () => {
    const neighbour = "/dev/mapper/vg_x-brick_ab /var/lib/heketi/mounts/vg_x/brick_ab xfs rw 1 2";
    const comment = "# /var/lib/heketi/mounts/vg_x/brick_a was here";
    const before = `/dev/vda / ext4 defaults 0 1\n${line}\n${neighbour}\n${comment}\n`;
    fs.writeFileSync(fstab, before);
    fs.chmodSync(fstab, 0o640);
    bash(script([removeTableLines(fstab, 2, "/var/lib/heketi/mounts/vg_x/brick_a")]));
    assert.equal(fs.readFileSync(fstab, "utf8"), `/dev/vda / ext4 defaults 0 1\n${neighbour}\n${comment}\n`);
    assert.equal(fs.readFileSync(`${fstab}.save`, "utf8"), before);
    assert.equal(fs.statSync(fstab).mode & 0o777, 0o640);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes(".pgfs-")), [], "no temp file left");
  });

  it("concurrent removals and additions on one node keep every line they should, and never leave the file empty", async () => {
    const { execFile } = await import("node:child_process");
    const run = (text: string) => new Promise<void>((ok, ko) => execFile("bash", ["-c", text], (e) => (e ? ko(e) : ok())));
    const base = "/dev/vda / ext4 defaults 0 1\nproc /proc proc defaults 0 0\n";
    const entry = (round: number, i: number) => `/dev/mapper/vg_x-brick_${round}_${i} /var/lib/heketi/mounts/vg_x/brick_${round}_${i} xfs rw 1 2`;
    const rounds = 40;
    for (let round = 0; round < rounds; round++) {
      const old = [0, 1, 2, 3].map((i) => entry(round, i));
      fs.writeFileSync(fstab, base + old.join("\n") + "\n");
      const added = [4, 5, 6, 7].map((i) => entry(round, i));
      await Promise.all([
        ...old.map((l) => run(script([removeTableLines(fstab, 2, l.split(" ")[1])]))),
        ...added.map((l) => run(script([ensureLineInFile(l, fstab)]))),
      ]);
      const lines = fs.readFileSync(fstab, "utf8").split("\n").filter(Boolean);
      assert.deepEqual(lines.slice(0, 2), base.split("\n").filter(Boolean), `round ${round}: the node's own lines stay first`);
      assert.deepEqual(lines.slice(2).sort(), [...added].sort(), `round ${round}: exactly the added lines remain`);
    }
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes(".pgfs-")), [], "no temp file left");
  });

  it("removing a mount point that is not there changes nothing and writes no backup", () => {
    fs.writeFileSync(fstab, "/dev/vda / ext4 defaults 0 1\n");
    bash(script([removeTableLines(fstab, 2, "/var/lib/heketi/mounts/vg_x/brick_a")]));
    assert.equal(fs.readFileSync(fstab, "utf8"), "/dev/vda / ext4 defaults 0 1\n");
    assert.equal(fs.existsSync(`${fstab}.save`), false);
  });
});
