import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { assetDir } from "./paths";
import { run, sleep, which } from "./proc";
import type { LabOptions } from "./settings";

export interface Image {
  key: string;
  dir: string;
  kernel: string;
  initrd: string;
  baseImg: string;
}

const HOST_TOOLS: Array<[string, string]> = [
  ["qemu-system-x86_64", "qemu-system-x86"],
  ["qemu-img", "qemu-utils"],
  ["debootstrap", "debootstrap"],
  ["ssh-keygen", "openssh-client"],
  ["mkfs.ext4", "e2fsprogs"],
];

/** Make sure the host has what the lab needs; installs missing Debian packages with apt. */
export async function preflight(log: (s: string) => void): Promise<void> {
  if (process.getuid && process.getuid() !== 0) {
    throw new Error("the lab needs root (debootstrap, chroot and mkfs build its image): run it as root");
  }
  const missing: string[] = [];
  for (const [cmd, pkg] of HOST_TOOLS) if (!(await which(cmd))) missing.push(pkg);
  if (missing.length) {
    log(`installing host packages: ${missing.join(" ")}`);
    await run("apt-get", ["update", "-qq"]);
    await run("apt-get", ["install", "-y", "-qq", ...missing], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    for (const [cmd, pkg] of HOST_TOOLS) {
      if (!(await which(cmd))) throw new Error(`${cmd} is still missing after installing ${pkg}`);
    }
  }
}

/** The image cache key: the package list, the scripts that build and boot the image, and the suite. */
export function imageKey(): string {
  const h = createHash("sha256");
  for (const f of ["packages.txt", "build-image.sh", "node-identity.sh"]) h.update(fs.readFileSync(path.join(assetDir(), f)));
  h.update("bookworm");
  return h.digest("hex").slice(0, 16);
}

/** Build the storage-node image once per key (locked, so parallel callers wait), keeping the last two. */
export async function ensureImage(o: LabOptions, log: (s: string) => void): Promise<Image> {
  const key = imageKey();
  const imagesDir = path.join(o.cacheDir, "images");
  const dir = path.join(imagesDir, key);
  const image = {
    key,
    dir,
    kernel: path.join(dir, "vmlinuz"),
    initrd: path.join(dir, "initrd-tiny.img"),
    baseImg: path.join(dir, "base.img"),
  };
  if (fs.existsSync(path.join(dir, "READY"))) return image;
  fs.mkdirSync(imagesDir, { recursive: true });
  await withLock(path.join(imagesDir, "build.lock"), log, async () => {
    if (fs.existsSync(path.join(dir, "READY"))) return;
    const tmp = `${dir}.tmp`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    const logFile = path.join(imagesDir, `build-${key}.log`);
    fs.writeFileSync(logFile, "");
    log(`building the node image ${key} (cold, about a minute; log: ${logFile})`);
    const t0 = Date.now();
    await run("bash", [path.join(assetDir(), "build-image.sh"), path.join(o.cacheDir, "work"), tmp, assetDir()], { logFile });
    fs.writeFileSync(path.join(tmp, "READY"), new Date().toISOString() + "\n");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    log(`image ${key} built in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    pruneOld(imagesDir, 2);
  });
  return image;
}

function pruneOld(imagesDir: string, keep: number): void {
  const entries = fs
    .readdirSync(imagesDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^[0-9a-f]{16}$/.test(e.name))
    .map((e) => ({ p: path.join(imagesDir, e.name), t: fs.statSync(path.join(imagesDir, e.name)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const e of entries.slice(keep)) fs.rmSync(e.p, { recursive: true, force: true });
}

/** A lock file holding the owner's pid; a lock whose owner died is taken over. */
export async function withLock<T>(file: string, log: (s: string) => void, fn: () => Promise<T>): Promise<T> {
  let announced = false;
  for (;;) {
    try {
      const fd = fs.openSync(file, "wx");
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number(fs.readFileSync(file, "utf8") || "0");
      let alive = false;
      try {
        if (owner > 0) process.kill(owner, 0);
        alive = owner > 0;
      } catch {
        alive = false;
      }
      if (!alive) {
        fs.rmSync(file, { force: true });
        continue;
      }
      if (!announced) log(`waiting for process ${owner} holding ${file}`);
      announced = true;
      await sleep(1000);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}
