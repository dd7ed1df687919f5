// `docker build --no-cache`: every build step gets a fresh digest through this variable, instead of
// OpMetadata.ignore_cache. BuildKit 0.8 records a result run under ignore_cache with a content key computed from
// its inputs' previous results, so one --no-cache build could make later builds get another build's output.

export const NO_CACHE_VAR = "MELANGE_TS_NO_CACHE";

export function saltEnv(salt: string | undefined): Record<string, string> {
  return salt ? { [NO_CACHE_VAR]: salt } : {};
}
