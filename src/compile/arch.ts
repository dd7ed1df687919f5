// Architecture names: APK (x86_64, aarch64, ...) is what melange.yaml and packages use; Go/OCI names (amd64,
// arm64, ...) are accepted on input. Triplets follow apko's ToTriplet / ToRustTriplet.
import { UserError } from "../errors.js";

interface ArchInfo {
  apk: string;
  /** apko's Architecture.String(): the OCI platform arch (+variant). */
  go: string;
  gnu: (suffix: string) => string;
  rust: (suffix: string) => string;
}

const ARCHES: ArchInfo[] = [
  { apk: "x86_64", go: "amd64", gnu: (s) => `x86_64-pc-linux-${s}`, rust: (s) => `x86_64-unknown-linux-${s}` },
  { apk: "aarch64", go: "arm64", gnu: (s) => `aarch64-unknown-linux-${s}`, rust: (s) => `aarch64-unknown-linux-${s}` },
  { apk: "x86", go: "386", gnu: (s) => `i486-pc-linux-${s}`, rust: (s) => `i686-unknown-linux-${s}` },
  { apk: "armhf", go: "arm/v6", gnu: (s) => `arm-unknown-linux-${s}eabihf`, rust: (s) => `arm-unknown-linux-${s}eabihf` },
  { apk: "armv7", go: "arm/v7", gnu: (s) => `armv7l-unknown-linux-${s}eabihf`, rust: (s) => `armv7-unknown-linux-${s}eabihf` },
  { apk: "ppc64le", go: "ppc64le", gnu: (s) => `powerpc64le-unknown-linux-${s}`, rust: (s) => `powerpc64le-unknown-linux-${s}` },
  { apk: "s390x", go: "s390x", gnu: (s) => `s390x-ibm-linux-${s}`, rust: (s) => `s390x-unknown-linux-${s}` },
  { apk: "riscv64", go: "riscv64", gnu: (s) => `riscv64-unknown-linux-${s}`, rust: (s) => `riscv64gc-unknown-linux-${s}` },
  { apk: "loongarch64", go: "loong64", gnu: (s) => `loongarch64-unknown-linux-${s}`, rust: (s) => `loongarch64-unknown-linux-${s}` },
];

const ALIASES: Record<string, string> = { arm64: "aarch64", amd64: "x86_64", "386": "x86", i386: "x86", arm: "armv7" };

/** Normalizes any accepted spelling (x86_64, amd64, linux/amd64, arm/v7) to the APK arch, or undefined. */
export function apkArch(name: string): string | undefined {
  const n = name.replace(/^linux\//, "");
  const byApk = ARCHES.find((a) => a.apk === n || a.go === n);
  return byApk ? byApk.apk : ALIASES[n];
}

export interface ArchNames {
  apk: string;
  go: string;
  gnuTriplet: (flavor: "gnu" | "musl") => string;
  rustTriplet: (flavor: "gnu" | "musl") => string;
}

export function archNames(name: string): ArchNames {
  const apk = apkArch(name);
  const info = ARCHES.find((a) => a.apk === apk);
  if (!info) {
    throw new UserError(`unknown architecture "${name}"`, undefined, `known: ${ARCHES.map((a) => a.apk).join(", ")}`);
  }
  return { apk: info.apk, go: info.go, gnuTriplet: info.gnu, rustTriplet: info.rust };
}

/** Whether `target-architecture` includes `arch` (unset, empty or "all" means every arch). */
export function isArchTargeted(targets: readonly string[] | undefined, arch: string): boolean {
  if (!targets || targets.length === 0 || targets.includes("all")) return true;
  const want = apkArch(arch) ?? arch;
  return targets.some((t) => (apkArch(t) ?? t) === want);
}
