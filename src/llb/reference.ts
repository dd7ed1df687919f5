// Docker-style image reference normalization, as BuildKit's Go client does before writing a
// docker-image:// identifier (ParseNormalizedNamed + TagNameOnly): "alpine" -> "docker.io/library/alpine:latest".
import { UserError } from "../errors.js";

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;

export interface ImageReference {
  /** Registry host (with port), e.g. "docker.io" or "localhost:5000". */
  domain: string;
  /** Repository path inside the registry, e.g. "library/alpine". */
  path: string;
  tag?: string;
  digest?: string;
}

/** Parses and normalizes an image reference; throws UserError when it is malformed. */
export function parseImageReference(ref: string): ImageReference {
  const bad = (why: string) =>
    new UserError(`invalid image reference "${ref}": ${why}`, undefined, 'expected e.g. "alpine:3.20" or "cgr.dev/chainguard/wolfi-base"');
  if (ref === "") throw bad("empty");
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(`bad digest "${digest}"`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`bad tag "${tag}"`);
  }
  let domain = "docker.io";
  let path = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    // Like Docker: the first component is a registry if it looks like a host name.
    if (/[.:]/.test(first) || first === "localhost" || first !== first.toLowerCase()) {
      if (!DOMAIN.test(first)) throw bad(`bad registry "${first}"`);
      domain = first === "index.docker.io" ? "docker.io" : first;
      path = rest.slice(slash + 1);
    }
  }
  if (domain === "docker.io" && !path.includes("/")) path = `library/${path}`;
  if (path === "" || !path.split("/").every((c) => COMPONENT.test(c))) {
    throw bad(path.toLowerCase() !== path ? "repository names must be lowercase" : "bad repository name");
  }
  return { domain, path, tag, digest };
}

/** Normalized string form; adds ":latest" when neither tag nor digest is given. */
export function normalizeImageRef(ref: string): string {
  const r = parseImageReference(ref);
  const tag = r.tag ?? (r.digest ? undefined : "latest");
  return `${r.domain}/${r.path}${tag ? `:${tag}` : ""}${r.digest ? `@${r.digest}` : ""}`;
}
