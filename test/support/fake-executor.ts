import { Script, scriptText } from "../../provider/commands/shell";
import { Executor, ExecResult, NodeTarget, RunOptions } from "../../provider/exec/executor";

export interface RecordedRun {
  host: string;
  sudo: boolean;
  script: string;
}

export type FakeReply = Partial<ExecResult> | ((run: RecordedRun) => Partial<ExecResult> | Promise<Partial<ExecResult>>);

/** What gluster prints for `volume info <name> --xml` when there is no such volume (captured on the lab). */
const NO_SUCH_VOLUME_XML =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cliOutput>\n  <opRet>-1</opRet>\n  <opErrno>30806</opErrno>\n  <opErrstr>Volume does not exist</opErrstr>\n' +
  "  <volInfo>\n    <volumes>\n      <count>0</count>\n    </volumes>\n  </volInfo>\n</cliOutput>\n";

/**
 * A scripted stand-in for SSH in unit tests: records every script's bash text (what SSH would send)
 * and answers from rules matched on that text
 * (first match wins; default: success with no output, and for a lone `gluster volume info <name>
 * --xml`, gluster's "Volume does not exist"). Never the proof that a feature works.
 */
export class FakeExecutor implements Executor {
  readonly runs: RecordedRun[] = [];
  private rules: Array<{ host?: string; match: RegExp; reply: FakeReply; times?: number }> = [];

  /** Answer scripts matching `match` (optionally only on `host`, optionally only `times` times). */
  on(match: RegExp, reply: FakeReply, opts: { host?: string; times?: number } = {}): this {
    this.rules.push({ match, reply, ...opts });
    return this;
  }

  async run(t: NodeTarget, s: Script, _opts?: RunOptions): Promise<ExecResult> {
    const script = scriptText(s);
    const run = { host: t.host, sudo: t.sudo, script };
    this.runs.push(run);
    for (const r of this.rules) {
      if (r.host && r.host !== t.host) continue;
      if (!r.match.test(script)) continue;
      if (r.times !== undefined) {
        if (r.times <= 0) continue;
        r.times--;
      }
      const out = typeof r.reply === "function" ? await r.reply(run) : r.reply;
      return { code: out.code ?? 0, stdout: out.stdout ?? "", stderr: out.stderr ?? "" };
    }
    if (/^set -e -o pipefail\ngluster [^\n]* volume info '[^'\n]+' --xml\n$/.test(script)) return { code: 0, stdout: NO_SUCH_VOLUME_XML, stderr: "" };
    return { code: 0, stdout: "", stderr: "" };
  }

  scriptsOn(host: string): string[] {
    return this.runs.filter((r) => r.host === host).map((r) => r.script);
  }

  roundTrips(): Record<string, number> {
    const n: Record<string, number> = {};
    for (const r of this.runs) n[r.host] = (n[r.host] ?? 0) + 1;
    return n;
  }

  async close(): Promise<void> {}
}
