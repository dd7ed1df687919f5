import { describe, it, expect, beforeAll, afterAll, vi } from "vitest";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { writeApkIndex } from "../../../src/apk/index-archive.js";
import type { IndexEntry } from "../../../src/apk/types.js";
import { command as resolveCommand } from "../../../src/commands/resolve.js";
import { UserError } from "../../../src/errors.js";

function entry(name: string, version: string, depends: string[] = [], provides: string[] = []): IndexEntry {
  return {
    name, version, arch: "x86_64", installedSize: 1, origin: name, description: "", url: "", commit: "", maintainer: "",
    buildDate: 0, licenses: [], depends, provides, replaces: [], installIf: [], triggers: [], dataHash: "",
    checksum: "Q1" + crypto.createHash("sha1").update(name + version).digest("base64"), size: 1,
  };
}

let tmp: string;
let repo: string;
let pub: string;
let wrongPub: string;
let server: http.Server;
let url: string;

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  try {
    return { code: await resolveCommand.run(argv), out };
  } finally {
    spy.mockRestore();
  }
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "resolve-cmd-"));
  const gen = () =>
    crypto.generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs1", format: "pem" } });
  const k = gen();
  pub = path.join(tmp, "repo.rsa.pub");
  fs.writeFileSync(pub, k.publicKey);
  fs.mkdirSync(path.join(tmp, "wrong"));
  wrongPub = path.join(tmp, "wrong", "repo.rsa.pub");
  fs.writeFileSync(wrongPub, gen().publicKey);
  repo = path.join(tmp, "repo");
  fs.mkdirSync(path.join(repo, "x86_64"), { recursive: true });
  const index = [
    entry("app", "1.0-r0", ["lib", "cmd:sh"]),
    entry("app", "2.0-r0", ["lib>=2", "cmd:sh", "so:libmissing.so.1"]),
    entry("lib", "2.1-r0"),
    entry("busybox", "1.36.1-r0", [], ["cmd:sh"]),
  ];
  fs.writeFileSync(path.join(repo, "x86_64", "APKINDEX.tar.gz"), writeApkIndex(index, { signingKey: { name: "repo.rsa", pem: k.privateKey } }));
  server = http.createServer((req, res) => {
    const file = path.join(repo, decodeURIComponent(req.url ?? "/"));
    if (!file.startsWith(repo) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.end(fs.readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(() => {
  server?.close();
});

describe("melange-ts resolve", () => {
  it("prints the install set from a directory repository", async () => {
    const { code, out } = await run(["--repository", repo, "--keyring", pub, "--arch", "x86_64", "app<2"]);
    expect(code).toBe(0);
    expect(out).toBe("app-1.0-r0\nbusybox-1.36.1-r0\nlib-2.1-r0\n");
  });

  it("fetches the index over http", async () => {
    const { out } = await run(["-r", url, "-k", pub, "--arch", "x86_64", "lib"]);
    expect(out).toBe("lib-2.1-r0\n");
  });

  it("fails with the dependency chain", async () => {
    // plain "app" falls back to app-1.0 (app-2.0 cannot be installed); asking for 2.x fails
    expect((await run(["-r", repo, "-k", pub, "--arch", "x86_64", "app"])).out).toContain("app-1.0-r0\n");
    await expect(run(["-r", repo, "-k", pub, "--arch", "x86_64", "app>=2"])).rejects.toThrow("app -> so:libmissing.so.1: no provider");
  });

  it("checks the index signature unless --allow-untrusted", async () => {
    await expect(run(["-r", repo, "-k", wrongPub, "--arch", "x86_64", "lib"])).rejects.toThrow(UserError);
    await expect(run(["-r", repo, "--arch", "x86_64", "lib"])).rejects.toThrow(/--keyring/);
    const { out } = await run(["-r", repo, "--allow-untrusted", "--arch", "x86_64", "lib"]);
    expect(out).toBe("lib-2.1-r0\n");
  });

  it("reports a missing repository index", async () => {
    await expect(run(["-r", url, "-k", pub, "--arch", "aarch64", "lib"])).rejects.toThrow(/HTTP 404/);
    await expect(run(["-r", path.join(tmp, "nope"), "-k", pub, "--arch", "x86_64", "lib"])).rejects.toThrow(/cannot read/);
  });
});
