// Just enough ELF parsing for dependency detection: the interpreter (PT_INTERP), needed libraries
// (DT_NEEDED) and the soname (DT_SONAME). 32/64-bit, both endians. Reads through a random-access
// callback so large binaries are never loaded whole.

export interface ElfInfo {
  bits: 32 | 64;
  littleEndian: boolean;
  /** e_type: 2 = ET_EXEC, 3 = ET_DYN */
  type: number;
  machine: number;
  interp?: string;
  needed: string[];
  soname?: string;
}

/** Read `len` bytes at `off` (fewer at end of file). */
export type ReadAt = (off: number, len: number) => Buffer;

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_SONAME = 14;

export function isElfMagic(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
}

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

/** Parse an ELF file; undefined when it is not ELF or is malformed (we never fail a build on a weird file). */
export function parseElf(readAt: ReadAt): ElfInfo | undefined {
  const id = readAt(0, 64);
  if (!isElfMagic(id) || id.length < 52) return undefined;
  const bits = id[4] === 1 ? 32 : id[4] === 2 ? 64 : 0;
  const le = id[5] === 1 ? true : id[5] === 2 ? false : undefined;
  if (!bits || le === undefined) return undefined;
  const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const u64 = (b: Buffer, o: number) => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
  const word = bits === 64 ? u64 : u32;
  try {
    const type = u16(id, 16);
    const machine = u16(id, 18);
    const phoff = bits === 64 ? u64(id, 32) : u32(id, 28);
    const phentsize = u16(id, bits === 64 ? 54 : 42);
    const phnum = u16(id, bits === 64 ? 56 : 44);
    if (phnum === 0 || phentsize < (bits === 64 ? 56 : 32)) return { bits, littleEndian: le, type, machine, needed: [] };
    const ph = readAt(phoff, phentsize * phnum);
    const segs: Segment[] = [];
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      if (o + phentsize > ph.length) break;
      segs.push(
        bits === 64
          ? { type: u32(ph, o), offset: u64(ph, o + 8), vaddr: u64(ph, o + 16), filesz: u64(ph, o + 32) }
          : { type: u32(ph, o), offset: u32(ph, o + 4), vaddr: u32(ph, o + 8), filesz: u32(ph, o + 16) },
      );
    }
    const info: ElfInfo = { bits, littleEndian: le, type, machine, needed: [] };
    const cstr = (b: Buffer, o: number) => {
      const end = b.indexOf(0, o);
      return b.subarray(o, end < 0 ? b.length : end).toString("utf8");
    };
    const interp = segs.find((s) => s.type === PT_INTERP);
    if (interp) info.interp = cstr(readAt(interp.offset, interp.filesz), 0);
    const dyn = segs.find((s) => s.type === PT_DYNAMIC);
    if (!dyn) return info;
    const entSize = bits === 64 ? 16 : 8;
    const d = readAt(dyn.offset, dyn.filesz);
    const tags: [number, number][] = [];
    for (let o = 0; o + entSize <= d.length; o += entSize) {
      const tag = word(d, o);
      if (tag === 0) break;
      tags.push([tag, word(d, o + entSize / 2)]);
    }
    const strtabAddr = tags.find(([t]) => t === DT_STRTAB)?.[1];
    if (strtabAddr === undefined) return info;
    // DT_STRTAB is a virtual address: map it through the PT_LOAD segment that contains it.
    const load = segs.find((s) => s.type === PT_LOAD && strtabAddr >= s.vaddr && strtabAddr < s.vaddr + s.filesz);
    const strOff = load ? load.offset + (strtabAddr - load.vaddr) : strtabAddr;
    const str = (i: number) => cstr(readAt(strOff + i, 4096), 0);
    for (const [t, v] of tags) {
      if (t === DT_NEEDED) info.needed.push(str(v));
      else if (t === DT_SONAME) info.soname = str(v);
    }
    return info;
  } catch {
    return undefined;
  }
}

/** A ReadAt over an in-memory buffer. */
export function bufferReader(buf: Buffer): ReadAt {
  return (off, len) => buf.subarray(off, Math.min(buf.length, off + len));
}
