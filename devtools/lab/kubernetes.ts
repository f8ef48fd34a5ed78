/**
 * The lab's Kubernetes control plane: etcd, kube-apiserver and kube-controller-manager (built from Go
 * modules by scripts/build-kubernetes.sh) as host processes on 127.0.0.1, with a CA and a serving cert
 * made by openssl, a static admin token (group system:masters), a service-account signing key and RBAC.
 * What the StorageClass resource (and later the CSI driver) talks to. Its description is
 * `<labDir>/kubernetes.json`; `<labDir>/kubeconfig` is the admin's kubeconfig. Data lives in
 * `<labDir>/kube` and is fresh on every start, like the lab's disks.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { z } from "zod";
import { processMatches, run, sleep } from "./proc";

type Log = (s: string) => void;

/**
 * Loopback ports. PGFS_KUBE_PORT_OFFSET shifts all four, so a second control plane (its own lab folder,
 * PGFS_LAB_DIR) can run beside the lab's, e.g. to try a control-plane flag without touching a shared one.
 */
const PORT_OFFSET = Number(process.env.PGFS_KUBE_PORT_OFFSET ?? 0);
const PORTS = { etcd: 23790 + PORT_OFFSET, etcdPeer: 23791 + PORT_OFFSET, apiserver: 16443 + PORT_OFFSET, controllerManager: 16257 + PORT_OFFSET };
const COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager"] as const;
type Component = (typeof COMPONENTS)[number];

export const KubernetesDescriptionSchema = z.object({
  version: z.string(),
  server: z.string(),
  kubeconfig: z.string(),
  dataDir: z.string(),
  pids: z.record(z.string(), z.number().int()),
  readyMs: z.record(z.string(), z.number()),
});
export type KubernetesDescription = z.infer<typeof KubernetesDescriptionSchema>;

const descriptionFile = (labDir: string) => path.join(labDir, "kubernetes.json");

/** Where scripts/build-kubernetes.sh puts the binaries of the pinned release. */
export function kubernetesBin(): { dir: string; version: string } {
  const version = process.env.PGFS_KUBERNETES_VERSION ?? "1.37.2";
  const tools = process.env.PGFS_TOOLS ?? path.join(process.env.PGFS_CACHE ?? path.join(os.homedir(), ".cache", "pulumi-glusterfs"), "tools");
  return { dir: path.join(tools, `kubernetes-v${version}`, "bin"), version };
}

/** The running control plane's description, if every component is alive. */
export function runningControlPlane(labDir: string): KubernetesDescription | undefined {
  const file = descriptionFile(labDir);
  if (!fs.existsSync(file)) return undefined;
  const d = KubernetesDescriptionSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
  const { dir } = kubernetesBin();
  return COMPONENTS.every((c) => processMatches(d.pids[c], [path.join(dir, c)])) ? d : undefined;
}

/** Start the control plane (or keep the one running) and wait until the API server is ready. */
export async function controlPlaneUp(labDir: string, log: Log = console.log): Promise<KubernetesDescription> {
  const running = runningControlPlane(labDir);
  if (running) {
    log(`kubernetes v${running.version} already running (${running.server})`);
    return running;
  }
  await controlPlaneDown(labDir, () => undefined);
  const { dir: bin, version } = kubernetesBin();
  for (const c of [...COMPONENTS, "kubectl"]) {
    if (!fs.existsSync(path.join(bin, c))) throw new Error(`${path.join(bin, c)} is not built: run \`bash scripts/build-kubernetes.sh\` first`);
  }
  const t0 = Date.now();
  const data = path.join(labDir, "kube");
  fs.mkdirSync(data, { recursive: true, mode: 0o700 });
  const f = (name: string) => path.join(data, name);
  const server = `https://127.0.0.1:${PORTS.apiserver}`;

  // certificates, the admin token, the service-account key
  const ssl = (...args: string[]) => run("openssl", args, { logFile: f("openssl.log") });
  await ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "30", "-subj", "/CN=pgfs-lab-ca");
  await ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f("apiserver.key"), "-out", f("apiserver.csr"), "-subj", "/CN=kube-apiserver");
  fs.writeFileSync(f("apiserver.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n");
  await ssl("x509", "-req", "-in", f("apiserver.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f("apiserver.crt"), "-days", "30", "-extfile", f("apiserver.ext"));
  await ssl("genrsa", "-out", f("sa.key"), "2048");
  await ssl("rsa", "-in", f("sa.key"), "-pubout", "-out", f("sa.pub"));
  const token = (await run("openssl", ["rand", "-hex", "16"])).stdout.trim();
  fs.writeFileSync(f("tokens.csv"), `${token},admin,admin,system:masters\n`, { mode: 0o600 });
  const kubeconfig = path.join(labDir, "kubeconfig");
  fs.writeFileSync(
    kubeconfig,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: pgfs-lab",
      `  cluster: {server: "${server}", certificate-authority-data: "${fs.readFileSync(f("ca.crt")).toString("base64")}"}`,
      "users:",
      "- name: admin",
      `  user: {token: "${token}"}`,
      "contexts:",
      "- name: pgfs-lab",
      "  context: {cluster: pgfs-lab, user: admin}",
      "current-context: pgfs-lab",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );

  const pids: Record<string, number> = {};
  const readyMs: Record<string, number> = {};
  const start = async (c: Component, args: string[], ready: string[]) => {
    const t = Date.now();
    const logFd = fs.openSync(f(`${c}.log`), "a");
    const child = spawn(path.join(bin, c), args, { detached: true, stdio: ["ignore", logFd, logFd] });
    fs.closeSync(logFd);
    child.unref();
    pids[c] = child.pid!;
    for (const deadline = Date.now() + 180_000; ; ) {
      if (!processMatches(child.pid, [path.join(bin, c)])) throw new Error(`${c} exited before it was ready: see ${f(`${c}.log`)}`);
      if ((await run("curl", ["-fsS", "-o", "/dev/null", ...ready], { allowFail: true })).code === 0) break;
      if (Date.now() > deadline) throw new Error(`${c} was not ready after 180 s: see ${f(`${c}.log`)}`);
      await sleep(100);
    }
    readyMs[c] = Date.now() - t;
  };
  try {
    await start(
      "etcd",
      [
        "--name", "pgfs-lab", "--data-dir", f("etcd"),
        "--listen-client-urls", `http://127.0.0.1:${PORTS.etcd}`, "--advertise-client-urls", `http://127.0.0.1:${PORTS.etcd}`,
        "--listen-peer-urls", `http://127.0.0.1:${PORTS.etcdPeer}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${PORTS.etcdPeer}`,
        "--initial-cluster", `pgfs-lab=http://127.0.0.1:${PORTS.etcdPeer}`, "--log-level", "warn",
      ],
      [`http://127.0.0.1:${PORTS.etcd}/readyz`],
    );
    // --endpoint-reconciler-type=none: with the advertise address on loopback the default reconciler
    // refuses to start; the `kubernetes` Service then has no endpoints, which nothing here uses.
    // --allow-privileged: a CSI node plugin is privileged (mount(8), Bidirectional mount propagation);
    // kubeadm and the distributions set it, the flag's default (false) refuses the CSI DaemonSet.
    await start(
      "kube-apiserver",
      [
        `--etcd-servers=http://127.0.0.1:${PORTS.etcd}`,
        "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", `--secure-port=${PORTS.apiserver}`,
        "--endpoint-reconciler-type=none", "--allow-privileged=true",
        `--tls-cert-file=${f("apiserver.crt")}`, `--tls-private-key-file=${f("apiserver.key")}`, `--client-ca-file=${f("ca.crt")}`,
        `--token-auth-file=${f("tokens.csv")}`, "--authorization-mode=RBAC",
        `--service-account-issuer=${server}`, `--service-account-key-file=${f("sa.pub")}`, `--service-account-signing-key-file=${f("sa.key")}`,
        "--service-cluster-ip-range=10.96.0.0/24",
      ],
      ["--cacert", f("ca.crt"), "-H", `Authorization: Bearer ${token}`, `${server}/readyz`],
    );
    await start(
      "kube-controller-manager",
      [
        `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
        "--bind-address=127.0.0.1", `--secure-port=${PORTS.controllerManager}`, "--leader-elect=false",
        `--service-account-private-key-file=${f("sa.key")}`, `--root-ca-file=${f("ca.crt")}`,
        "--use-service-account-credentials=false", "--controllers=*",
      ],
      ["-k", `https://127.0.0.1:${PORTS.controllerManager}/healthz`],
    );
  } catch (err) {
    fs.writeFileSync(descriptionFile(labDir), JSON.stringify({ version, server, kubeconfig, dataDir: data, pids, readyMs }, null, 2) + "\n");
    await controlPlaneDown(labDir, () => undefined);
    throw err;
  }
  const d: KubernetesDescription = { version, server, kubeconfig, dataDir: data, pids, readyMs };
  fs.writeFileSync(descriptionFile(labDir), JSON.stringify(d, null, 2) + "\n");
  log(
    `kubernetes v${version} ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (etcd ${readyMs.etcd} ms, kube-apiserver ${readyMs["kube-apiserver"]} ms, ` +
      `kube-controller-manager ${readyMs["kube-controller-manager"]} ms); kubeconfig: ${kubeconfig}`,
  );
  return d;
}

/** Stop what controlPlaneUp started (API users first, etcd last: the API server stops fast while etcd answers) and remove its data. */
export async function controlPlaneDown(labDir: string, log: Log = console.log): Promise<void> {
  const file = descriptionFile(labDir);
  if (fs.existsSync(file)) {
    const d = KubernetesDescriptionSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
    const { dir } = kubernetesBin();
    for (const c of [...COMPONENTS].reverse()) {
      const pid = d.pids[c];
      const markers = [path.join(dir, c)];
      if (!processMatches(pid, markers)) continue;
      process.kill(pid, "SIGTERM");
      const deadline = Date.now() + 15_000;
      while (processMatches(pid, markers) && Date.now() < deadline) await sleep(100);
      if (processMatches(pid, markers)) process.kill(pid, "SIGKILL");
      log(`${c} stopped (pid ${pid})`);
    }
    fs.rmSync(d.dataDir, { recursive: true, force: true });
  }
  fs.rmSync(file, { force: true });
  fs.rmSync(path.join(labDir, "kubeconfig"), { force: true });
}

/** One line per component: running or not. */
export function controlPlaneStatus(labDir: string): Array<{ name: string; state: "ready" | "stopped" | "crashed"; detail: string }> {
  const file = descriptionFile(labDir);
  if (!fs.existsSync(file)) return [];
  const d = KubernetesDescriptionSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
  const { dir } = kubernetesBin();
  return COMPONENTS.map((c) =>
    processMatches(d.pids[c], [path.join(dir, c)])
      ? { name: c, state: "ready" as const, detail: `pid ${d.pids[c]}${c === "kube-apiserver" ? ` ${d.server}, kubeconfig ${d.kubeconfig}` : ""}` }
      : { name: c, state: "crashed" as const, detail: `pid ${d.pids[c]} is gone: see ${path.join(d.dataDir, `${c}.log`)}` },
  );
}
