import type { SigningKey } from "./sign.js";
import { memberEntries, splitApk } from "./read.js";
import { rsaSign, signatureSegment } from "./sign.js";
import { UserError } from "../errors.js";

/** Replace (or add) an .apk's signature, keeping control and data byte for byte. */
export function resignApk(bytes: Buffer, key: SigningKey, what: string): Buffer {
  const { control, data } = splitApk(bytes, what);
  const pkginfo = memberEntries(control, `${what} control segment`)[0];
  if (pkginfo?.name !== ".PKGINFO") throw new UserError(`${what}: the control segment does not start with .PKGINFO`);
  // The signature entry's mtime follows the control entries' (SOURCE_DATE_EPOCH), as melange does.
  return Buffer.concat([signatureSegment(rsaSign(control, key), key.name, pkginfo.mtime), control, data]);
}
