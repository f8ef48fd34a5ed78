/**
 * The CSI volume id: all DeleteVolume, ControllerExpandVolume and ValidateVolumeCapabilities get to find a
 * volume again (they are not given the StorageClass parameters). So it names the backend:
 *   engine:<volume id>                      the driver's own engine (its ledger)
 *   rest:<volume id>:<user>:<server url>    a Heketi-compatible server (ours or Heketi); user empty when auth is off
 * The key is never in it: it comes with each request's secrets. The CSI spec limits strings to 128 bytes.
 */
import { invalid } from "./errors";

export const MAX_ID_BYTES = 128;

export type VolumeRef = { backend: "engine"; id: string } | { backend: "rest"; id: string; user: string; url: string };

const HEX32 = /^[0-9a-f]{32}$/;

export function formatVolumeId(ref: VolumeRef): string {
  const s = ref.backend === "engine" ? `engine:${ref.id}` : `rest:${ref.id}:${ref.user}:${ref.url}`;
  if (Buffer.byteLength(s) > MAX_ID_BYTES) {
    throw invalid(`the CSI volume id '${s}' would be ${Buffer.byteLength(s)} bytes, past the CSI limit of ${MAX_ID_BYTES}: use a shorter resturl (e.g. the Service name without the cluster domain)`);
  }
  return s;
}

/** A volume id this driver made, or undefined for anything else (which the caller answers as "no such volume"). */
export function parseVolumeId(s: string): VolumeRef | undefined {
  const m = /^engine:([0-9a-f]{32})$/.exec(s);
  if (m) return { backend: "engine", id: m[1] };
  const r = /^rest:([0-9a-f]{32}):([^:]*):(https?:\/\/.+)$/.exec(s);
  if (r && HEX32.test(r[1])) return { backend: "rest", id: r[1], user: r[2], url: r[3] };
  return undefined;
}
