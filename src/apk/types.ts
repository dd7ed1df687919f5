// Shared shapes of APK metadata: one package as .PKGINFO describes it, and one APKINDEX record.
// Writers (package, index) and readers (resolver, installer) all use these.

/** The fields of a package's .PKGINFO (and of its APKINDEX record). */
export interface PackageInfo {
  name: string;
  /** `<version>-r<epoch>` */
  version: string;
  arch: string;
  /** installed size in bytes */
  installedSize: number;
  origin: string;
  description: string;
  url: string;
  commit: string;
  maintainer: string;
  /** SOURCE_DATE_EPOCH; 0 = not set */
  buildDate: number;
  licenses: string[];
  depends: string[];
  provides: string[];
  replaces: string[];
  providerPriority?: number;
  replacesPriority?: number;
  installIf: string[];
  triggers: string[];
  /** hex sha256 of the compressed data segment */
  dataHash: string;
}

/** One APKINDEX record: the package info plus what the index adds. */
export interface IndexEntry extends PackageInfo {
  /** `Q1` + base64(sha1(compressed control segment)) */
  checksum: string;
  /** size of the .apk file */
  size: number;
}

/** A PackageInfo with every field empty: the start for parsers, which fill in what they find. */
export function emptyPackageInfo(): PackageInfo {
  return {
    name: "",
    version: "",
    arch: "",
    installedSize: 0,
    origin: "",
    description: "",
    url: "",
    commit: "",
    maintainer: "",
    buildDate: 0,
    licenses: [],
    depends: [],
    provides: [],
    replaces: [],
    installIf: [],
    triggers: [],
    dataHash: "",
  };
}
