// Shared test helpers: temp dirs, small RSA keys, a minimal ELF writer, and a PackSpec maker.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parsePackSpec, type PackSpec, type PackSpecInput } from "../../../src/apk/packspec.js";

export function tempDir(prefix = "apk-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writeFile(root: string, rel: string, content: string | Buffer, mode = 0o644): string {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  fs.chmodSync(p, mode);
  return p;
}

/** A 2048-bit key pair (4096 is the CLI default; tests only need a real key). */
export function makeKeyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

export function spec(overrides: Partial<PackSpecInput> = {}): PackSpec {
  return parsePackSpec({
    name: "hello",
    version: "1.2.3",
    epoch: 4,
    arch: "x86_64",
    description: "a test package",
    url: "https://example.com/hello",
    commit: "0123456789abcdef0123456789abcdef01234567",
    licenses: ["MIT"],
    maintainer: "tests",
    sourceDateEpoch: 1700000000,
    melangeYaml: "package:\n  name: hello\n",
    ...overrides,
  });
}

export interface ElfSpec {
  bits: 32 | 64;
  littleEndian: boolean;
  type: 2 | 3;
  interp?: string;
  needed?: string[];
  soname?: string;
}

/** A minimal but well-formed ELF file with PT_LOAD, PT_INTERP and PT_DYNAMIC. */
export function makeElf(s: ElfSpec): Buffer {
  const is64 = s.bits === 64;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phnum = 3;
  const base = 0x400000;
  const interp = Buffer.from((s.interp ?? "") + "\0");
  const strings: string[] = ["", ...(s.needed ?? []), ...(s.soname ? [s.soname] : [])];
  const strOff: number[] = [];
  let n = 0;
  for (const str of strings) {
    strOff.push(n);
    n += Buffer.byteLength(str) + 1;
  }
  const strtab = Buffer.concat(strings.map((x) => Buffer.from(x + "\0")));
  const interpOff = ehsize + phentsize * phnum;
  const strtabOff = interpOff + interp.length;
  const dynOff = Math.ceil((strtabOff + strtab.length) / 8) * 8;
  const dynEnt = is64 ? 16 : 8;
  const tags: [number, number][] = [];
  (s.needed ?? []).forEach((_, i) => tags.push([1, strOff[1 + i]]));
  if (s.soname) tags.push([14, strOff[strOff.length - 1]]);
  tags.push([5, base + strtabOff], [10, strtab.length], [0, 0]);
  const total = dynOff + tags.length * dynEnt;
  const b = Buffer.alloc(total);
  const le = s.littleEndian;
  const w16 = (v: number, o: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const w32 = (v: number, o: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  const w64 = (v: number, o: number) => (le ? b.writeBigUInt64LE(BigInt(v), o) : b.writeBigUInt64BE(BigInt(v), o));
  const wword = is64 ? w64 : w32;
  b.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1], 0);
  w16(s.type, 16);
  w16(is64 ? 62 : 3, 18);
  w32(1, 20);
  if (is64) {
    w64(ehsize, 32);
    w16(ehsize, 52);
    w16(phentsize, 54);
    w16(phnum, 56);
  } else {
    w32(ehsize, 28);
    w16(ehsize, 40);
    w16(phentsize, 42);
    w16(phnum, 44);
  }
  const phdr = (i: number, type: number, off: number, size: number) => {
    const o = ehsize + i * phentsize;
    w32(type, o);
    if (is64) {
      w64(off, o + 8);
      w64(base + off, o + 16);
      w64(base + off, o + 24);
      w64(size, o + 32);
      w64(size, o + 40);
    } else {
      w32(off, o + 4);
      w32(base + off, o + 8);
      w32(base + off, o + 12);
      w32(size, o + 16);
      w32(size, o + 20);
    }
  };
  phdr(0, 1, 0, total);
  phdr(1, s.interp ? 3 : 0, interpOff, interp.length);
  phdr(2, 2, dynOff, tags.length * dynEnt);
  interp.copy(b, interpOff);
  strtab.copy(b, strtabOff);
  tags.forEach(([t, v], i) => {
    wword(t, dynOff + i * dynEnt);
    wword(v, dynOff + i * dynEnt + dynEnt / 2);
  });
  return b;
}
