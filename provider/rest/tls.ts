/**
 * HTTPS for `serve` (Heketi's enable_tls + cert_file/key_file, or --tls-cert/--tls-key): the zod rule
 * for the pair and the one place the files are read, so a bad or unreadable pair stops the server.
 */
import * as fs from "node:fs";
import * as tls from "node:tls";
import { z } from "zod";

const BOTH = "TLS needs both a certificate and a key: give --tls-cert and --tls-key together, or enable_tls with cert_file and key_file";

/** Present only when TLS is asked for (either flag, or enable_tls): then both files are required. */
export const TlsConfig = z.object({
  certFile: z.string({ error: BOTH }).min(1, BOTH),
  keyFile: z.string({ error: BOTH }).min(1, BOTH),
});
export type TlsConfig = z.output<typeof TlsConfig>;

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** Read the certificate and key and check they load as a pair; throws naming the file and the problem. */
export function readTlsFiles(t: TlsConfig): TlsFiles {
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read the TLS ${what} ${file}: ${(err as Error).message}`);
    }
  };
  const files = { cert: read(t.certFile, "certificate (cert_file / --tls-cert)"), key: read(t.keyFile, "key (key_file / --tls-key)") };
  try {
    tls.createSecureContext(files);
  } catch (err) {
    throw new Error(`the TLS certificate ${t.certFile} and key ${t.keyFile} do not load as a pair: ${(err as Error).message}`);
  }
  return files;
}
