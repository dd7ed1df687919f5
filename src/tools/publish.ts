// The in-graph publish step: the unsigned packages of one build -> signed copies and a signed APKINDEX.
// It runs on every build (the frontend cannot see the secret, so it cannot know whether the key changed);
// re-signing only hashes each control segment, so it stays cheap however large the packages are.

import fs from "node:fs";
import path from "node:path";
import { loadSigningKey } from "../apk/keys.js";
import { resignApk } from "../apk/resign.js";
import { indexEntriesOfFiles } from "../apk/index-build.js";
import { writeApkIndex } from "../apk/index-archive.js";

export interface PublishOptions {
  /** .apk files to publish */
  apks: string[];
  /** output dir: <out>/<arch>/*.apk + APKINDEX.tar.gz */
  out: string;
  arch: string;
  /** private key path; absent file = unsigned output */
  signingKey?: string;
  keyName?: string;
  log: (line: string) => void;
}

export function publish(o: PublishOptions): void {
  const key = o.signingKey && fs.existsSync(o.signingKey) ? loadSigningKey(o.signingKey, o.keyName) : undefined;
  if (!key) o.log(`no signing key${o.signingKey ? ` at ${o.signingKey}` : ""}: packages and index are UNSIGNED`);
  const dir = path.join(o.out, o.arch);
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const apk of o.apks) {
    const dest = path.join(dir, path.basename(apk));
    const bytes = fs.readFileSync(apk);
    fs.writeFileSync(dest, key ? resignApk(bytes, key, apk) : bytes);
    written.push(dest);
  }
  const entries = indexEntriesOfFiles(written);
  fs.writeFileSync(path.join(dir, "APKINDEX.tar.gz"), writeApkIndex(entries, { signingKey: key }));
  o.log(`${written.length} package${written.length === 1 ? "" : "s"} and APKINDEX.tar.gz for ${o.arch}${key ? `, signed with ${key.name}` : ""}`);
}
