// Child process for the crash test: opens the ledger and starts a volume create; the parent kills it
// (SIGKILL) part-way through. Usage: node crash-child.js <ledger> <lab.json dir> <volume name>
import { readLabDescription } from "../../devtools/lab/description";
import { labEngine } from "./engine";

async function main() {
  const [ledgerPath, labDir, name] = process.argv.slice(2);
  const engine = labEngine(readLabDescription(labDir), { ledgerPath });
  process.stdout.write("ready\n");
  await engine.createVolume({ name, sizeGiB: 1, durability: { type: "replicate", replica: 3 } });
  process.stdout.write("created\n");
  await engine.close();
}
main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
