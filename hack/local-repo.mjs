#!/usr/bin/env node
// A local, signed APK repository for the demo (examples/apk-env), made offline from this machine's Debian
// binaries with our own CLI (keygen, pack, index), then served over HTTP on 127.0.0.1 until killed.
//
//   node hack/local-repo.mjs [--dir DIR (default $TMPDIR/melange-ts-local-repo)] [--port 18765] [--serve-only]
//
// Writes DIR/local-repo.rsa{,.pub} (kept if present), DIR/<arch>/*.apk and a signed DIR/<arch>/APKINDEX.tar.gz,
// prints "serving http://127.0.0.1:PORT" on stdout once it listens, and serves DIR (the engine's HTTP source
// fetches from there: buildkitd runs on the host network). Needs bin/melange-ts.mjs bundled (npm run bundle).
// --serve-only serves DIR as it is (the e2e tests build their repository themselves and serve it with this,
// from a child process: their docker builds block the test process's event loop).

import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    dir: { type: "string", default: path.join(os.tmpdir(), "melange-ts-local-repo") },
    port: { type: "string", default: "18765" },
    "serve-only": { type: "boolean", default: false },
  },
});
const dir = path.resolve(values.dir);
const port = Number(values.port);

const arch = process.arch === "arm64" ? "aarch64" : "x86_64";
const multiarch = arch === "aarch64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
const loader = arch === "aarch64" ? "ld-linux-aarch64.so.1" : "ld-linux-x86-64.so.2";

function cli(args) {
  const r = spawnSync(process.execPath, [path.join(ROOT, "bin/melange-ts.mjs"), ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`melange-ts ${args[0]} failed:\n${r.stderr}`);
  return r.stdout;
}

// name, version, license, files: path -> host file to copy (mode kept executable) | { symlink }
function busyboxFiles() {
  const files = { "bin/busybox": "/bin/busybox" };
  const list = spawnSync("/bin/busybox", ["--list-full"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  for (const applet of list) if (applet !== "bin/busybox") files[applet] = { symlink: "/bin/busybox" };
  return files;
}
const packages = [
  { name: "busybox", version: "1.36.1", license: "GPL-2.0-only", files: busyboxFiles() },
  {
    name: "glibc",
    version: "2.36",
    license: "LGPL-2.1-or-later",
    files: {
      [`usr/lib/${loader}`]: `/lib/${multiarch}/${loader}`,
      "usr/lib/libc.so.6": `/lib/${multiarch}/libc.so.6`,
      ...(arch === "x86_64" ? { lib64: { symlink: "usr/lib" } } : {}),
    },
  },
  { name: "zlib", version: "1.2.13", license: "Zlib", files: { "usr/lib/libz.so.1": `/lib/${multiarch}/libz.so.1` } },
  { name: "png-fix-itxt", version: "1.6.39", license: "Libpng", files: { "usr/bin/png-fix-itxt": "/usr/bin/png-fix-itxt" } },
];

if (!values["serve-only"]) makeRepository();

function makeRepository() {
  fs.mkdirSync(dir, { recursive: true });
  const key = path.join(dir, "local-repo.rsa");
  if (!fs.existsSync(key)) cli(["keygen", "--key-size", "2048", key]);
  fs.rmSync(path.join(dir, arch), { recursive: true, force: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "local-repo-"));
  try {
    for (const p of packages) {
      const tree = path.join(work, p.name);
      for (const [rel, src] of Object.entries(p.files)) {
        const dest = path.join(tree, rel);
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        if (typeof src === "string") {
          fs.copyFileSync(src, dest);
          fs.chmodSync(dest, 0o755);
        } else fs.symlinkSync(src.symlink, dest);
      }
      const spec = path.join(work, `${p.name}.json`);
      const pkgSpec = { name: p.name, version: p.version, epoch: 0, arch, description: `${p.name} (from this machine's Debian binaries)`, licenses: [p.license], sourceDateEpoch: 1700000000 };
      fs.writeFileSync(spec, JSON.stringify(pkgSpec));
      cli(["pack", "--spec", spec, "--tree", tree, "--out", dir, "--signing-key", key]);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const apks = fs.readdirSync(path.join(dir, arch)).filter((f) => f.endsWith(".apk")).sort().map((f) => path.join(dir, arch, f));
  cli(["index", "-o", path.join(dir, arch, "APKINDEX.tar.gz"), "--signing-key", key, ...apks]);
  process.stderr.write(`local-repo: ${apks.length} packages in ${dir}/${arch}, signed with ${key}\n`);
}

const server = http.createServer((req, res) => {
  const rel = path.normalize(decodeURIComponent((req.url ?? "/").split("?")[0]));
  let body;
  try {
    if (rel.includes("..")) throw new Error("bad path");
    body = fs.readFileSync(path.join(dir, rel));
  } catch {
    res.writeHead(404).end();
    return;
  }
  if (rel.endsWith(".rsa")) return void res.writeHead(403).end(); // never serve the private key
  const etag = `"${crypto.createHash("sha256").update(body).digest("hex").slice(0, 32)}"`;
  const fresh = (req.headers["if-none-match"] ?? "").split(/\s*,\s*/).includes(etag);
  if (process.env.LOCAL_REPO_LOG) process.stderr.write(`local-repo: ${req.method} ${rel} ${fresh ? 304 : 200}\n`);
  if (fresh) return void res.writeHead(304, { ETag: etag }).end();
  res.writeHead(200, { "Content-Length": body.length, ETag: etag });
  res.end(req.method === "HEAD" ? undefined : body);
});
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`serving http://127.0.0.1:${server.address().port}\n`);
});
// Exit at once: the engine keeps connections alive, and waiting for them would hold up the caller.
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(0));
