import { UserError } from "../errors.js";

// setcap in melange.yaml -> the `security.capability` extended attribute the kernel reads (struct
// vfs_ns_cap_data, revision 3: magic+flags, then permitted/inheritable for caps 0-31 and 32-63, then rootid).

const CAP_NUMBERS: Record<string, number> = {
  cap_net_bind_service: 10,
  cap_net_admin: 12,
  cap_net_raw: 13,
  cap_ipc_lock: 14,
  cap_sys_admin: 21,
};
const VFS_CAP_REVISION_3 = 0x03000000;
const VFS_CAP_FLAGS_EFFECTIVE = 0x000001;

/** `{"cap_net_raw,cap_net_admin": "+ep"}` -> the xattr value. */
export function encodeCapabilities(add: Record<string, string>, where: string): Buffer {
  let permitted = 0n;
  let inheritable = 0n;
  let effective = false;
  for (const [names, flagsRaw] of Object.entries(add)) {
    const flags = flagsRaw.trim().replace(/^\+/, "");
    if (!/^[eip]+$/.test(flags)) throw new UserError(`${where}: capability flags "${flagsRaw}" must be a combination of e, i and p, like "+ep"`);
    for (const name of names.split(",").map((n) => n.trim().toLowerCase())) {
      const n = CAP_NUMBERS[name];
      if (n === undefined) {
        throw new UserError(`${where}: capability "${name}" is not allowed`, undefined, `allowed: ${Object.keys(CAP_NUMBERS).join(", ")}`);
      }
      if (flags.includes("p")) permitted |= 1n << BigInt(n);
      if (flags.includes("i")) inheritable |= 1n << BigInt(n);
      if (flags.includes("e")) effective = true;
    }
  }
  const b = Buffer.alloc(24);
  b.writeUInt32LE(VFS_CAP_REVISION_3 | (effective ? VFS_CAP_FLAGS_EFFECTIVE : 0), 0);
  b.writeUInt32LE(Number(permitted & 0xffffffffn), 4);
  b.writeUInt32LE(Number(inheritable & 0xffffffffn), 8);
  b.writeUInt32LE(Number(permitted >> 32n), 12);
  b.writeUInt32LE(Number(inheritable >> 32n), 16);
  b.writeUInt32LE(0, 20); // rootid: the initial user namespace
  return b;
}
