// Entry point for `pulumi up` with a full Pulumi CLI (language host): `pulumi -C examples/quickstart up`.
import { quickstart } from "./program";

module.exports = quickstart();
