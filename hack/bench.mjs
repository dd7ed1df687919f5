// `npm run bench`: packaging throughput. Makes a >= 200 MB tree of mixed content in a temp dir, then
// times `tar -c | gzip -6` on it and our packaging + signing (the `pack` tool, bundled with esbuild),
// printing MB/s, the ratio and peak RSS of each (GNU time's %M). Run it on an idle machine.
import { build } from "esbuild";
import { execFileSync, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "melange-ts-bench-"));
const tree = path.join(work, "tree");
const MB = 1 << 20;

function put(rel, data, mode = 0o644) {
  const p = path.join(tree, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data, { mode });
}

const WORDS = "the of and to in is that for it as with was on be by this are or at from which an have not but all were when there can been has more one will their if about would so into these may some other than then its only also could time two first like".split(" ");
function text(bytes, seed) {
  let s = seed >>> 0;
  const parts = [];
  let n = 0;
  while (n < bytes) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const w = WORDS[s % WORDS.length] + ((s >>> 8) % 13 === 0 ? ".\n" : " ");
    parts.push(w);
    n += w.length;
  }
  return Buffer.from(parts.join("")).subarray(0, bytes);
}

function makeTree() {
  const block = text(4 * MB, 1);
  // 64 MB of text in 640 files of 100 KB
  for (let i = 0; i < 640; i++) put(`usr/share/doc/t${i % 16}/f${i}.txt`, block.subarray((i * 4099) % (3 * MB), ((i * 4099) % (3 * MB)) + 100 * 1024));
  // 60 MB of random data in 30 files of 2 MB
  for (let i = 0; i < 30; i++) put(`usr/lib/blobs/r${i}.bin`, crypto.randomBytes(2 * MB));
  // 40 MB already compressed (gzip of text)
  const gz = zlib.gzipSync(text(16 * MB, 7), { level: 1 });
  for (let i = 0; gz.length * i < 40 * MB; i++) put(`usr/share/archives/a${i}.gz`, gz);
  // 15000 small files (1-4 KB): headers, scripts
  for (let i = 0; i < 15000; i++) put(`usr/include/d${i % 100}/h${i}.h`, block.subarray(i * 97, i * 97 + 1024 + ((i * 37) % 3072)));
  for (let i = 0; i < 50; i++) put(`usr/bin/tool${i}`, `#!/bin/sh\necho ${i}\n`, 0o755);
  // one 24 MB file (streamed in two passes by the packager)
  put("usr/lib/big.dat", Buffer.concat([text(12 * MB, 3), Buffer.alloc(12 * MB)]));
}

function du() {
  return Number(execFileSync("du", ["-sb", tree], { encoding: "utf8" }).split("\t")[0]);
}

/** Run a shell command under GNU time: wall seconds, peak RSS (MB) of the largest process, stdout. */
function timedRun(cmd) {
  const r = spawnSync("/usr/bin/time", ["-f", "BENCH %e %M", "sh", "-c", cmd], { encoding: "utf8", maxBuffer: 16 * MB });
  if (r.status !== 0) throw new Error(`failed: ${cmd}\n${r.stderr}`);
  const m = /BENCH ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no timing from: ${cmd}\n${r.stderr}`);
  return { seconds: Number(m[1]), rssMB: Number(m[2]) / 1024, stdout: r.stdout };
}

console.log(`bench dir: ${work}`);
const t0 = Date.now();
makeTree();
const size = du();
console.log(`tree: ${(size / MB).toFixed(1)} MB (made in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);

const entry = path.join(work, "pack-entry.mjs");
await build({
  entryPoints: [path.join(root, "hack/bench/pack-entry.ts")],
  outfile: entry,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning",
});
const key = path.join(work, "bench.rsa");
const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 4096, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
fs.writeFileSync(key, privateKey, { mode: 0o600 });
const spec = path.join(work, "spec.json");
fs.writeFileSync(spec, JSON.stringify({ name: "bench", version: "1.0", epoch: 0, arch: "x86_64", sourceDateEpoch: 1700000000 }));

// Warm the page cache so both runs read from memory.
execFileSync("sh", ["-c", `tar -cf - -C ${tree} . > /dev/null`]);

const base = timedRun(`tar -cf - -C ${tree} . | gzip -6 > ${work}/baseline.tar.gz`);
const baseSize = fs.statSync(`${work}/baseline.tar.gz`).size;
const ours = timedRun(`node ${entry} ${spec} ${tree} ${work}/out ${key}`);
const result = JSON.parse(ours.stdout);
const again = timedRun(`node ${entry} ${spec} ${tree} ${work}/out2 ${key}`);
const reproducible = JSON.parse(again.stdout).sha256 === result.sha256;

const mbps = (s) => (size / MB / s).toFixed(1);
console.log(`tar -c | gzip -6 : ${base.seconds.toFixed(2)} s, ${mbps(base.seconds)} MB/s, peak RSS ${base.rssMB.toFixed(0)} MB, output ${(baseSize / MB).toFixed(1)} MB`);
console.log(`melange-ts pack  : ${ours.seconds.toFixed(2)} s, ${mbps(ours.seconds)} MB/s, peak RSS ${ours.rssMB.toFixed(0)} MB, output ${(result.size / MB).toFixed(1)} MB (signed)`);
console.log(`second pack run  : ${again.seconds.toFixed(2)} s; byte-identical: ${reproducible}`);
console.log(`ratio (tar|gzip time / pack time): ${(base.seconds / ours.seconds).toFixed(2)}x`);
fs.rmSync(work, { recursive: true, force: true });
