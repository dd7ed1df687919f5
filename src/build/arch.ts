// Architectures: BuildKit/OCI platforms on one side, APK arch names on the other.

export interface OciPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

const ociToApk: Record<string, string> = {
  amd64: "x86_64",
  arm64: "aarch64",
  "386": "x86",
  "arm/v6": "armhf",
  "arm/v7": "armv7",
  ppc64le: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loongarch64",
};

export function apkArch(p: OciPlatform): string {
  const key = p.variant && p.architecture === "arm" ? `arm/${p.variant}` : p.architecture;
  const a = ociToApk[key];
  if (!a) throw new Error(`unsupported platform ${p.os}/${key}`);
  return a;
}

export function ociPlatform(apk: string): OciPlatform {
  for (const [oci, a] of Object.entries(ociToApk)) {
    if (a !== apk) continue;
    const [architecture, variant] = oci.split("/");
    return { os: "linux", architecture, ...(variant ? { variant } : {}) };
  }
  throw new Error(`unsupported architecture ${apk}`);
}

/** `linux/arm64`, `linux/arm/v7`, `arm64` -> platform */
export function parsePlatform(s: string): OciPlatform {
  const parts = s.split("/");
  if (parts.length === 1) return { os: "linux", architecture: parts[0] };
  const [os, architecture, variant] = parts;
  return { os, architecture, ...(variant ? { variant } : {}) };
}
