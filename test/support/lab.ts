import { LabDescription } from "../../devtools/lab/description";
import { labUp } from "../../devtools/lab/lab";

let lab: Promise<LabDescription> | undefined;

/** The running lab (started once per test process; `lab up` is idempotent). */
export function ensureLab(): Promise<LabDescription> {
  lab ??= labUp({}, (s) => console.log(`      [lab] ${s}`));
  return lab;
}
