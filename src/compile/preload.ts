// compile() is synchronous and pure; where pipeline files can only be read asynchronously (the BuildKit
// frontend reads them from the build context), this finds every `uses:` name a configuration can reach
// (nested definitions included), loads those texts up front and returns a synchronous loader over them.
import type { Configuration, PipelineStep } from "../config/schema.js";
import { checkUsesName, parseDefinitionCached, type PipelineLoader, type PipelineText } from "./pipeline-loader.js";

export type AsyncPipelineLoader = (uses: string) => Promise<PipelineText | undefined>;

export async function preloadPipelines(config: Configuration, load: AsyncPipelineLoader): Promise<PipelineLoader> {
  const texts = new Map<string, PipelineText | undefined>();
  let wanted = usesIn([
    config.pipeline,
    config.test?.pipeline,
    ...(config.subpackages ?? []).flatMap((sp) => [sp.pipeline, sp.test?.pipeline]),
  ]);
  while (wanted.length > 0) {
    const batch = [...new Set(wanted)].filter((u) => !texts.has(u));
    const loaded = await Promise.all(batch.map((u) => load(u)));
    wanted = [];
    batch.forEach((u, i) => {
      const text = loaded[i];
      texts.set(u, text);
      if (!text) return;
      try {
        wanted.push(...usesIn([parseDefinitionCached(text).value.pipeline]));
      } catch {
        // compile() reports the definition's errors with positions.
      }
    });
  }
  return (uses) => texts.get(uses);
}

function usesIn(lists: (PipelineStep[] | undefined)[]): string[] {
  const out: string[] = [];
  const walk = (steps: PipelineStep[] | undefined) => {
    for (const s of steps ?? []) {
      if (s.uses !== undefined && !(s.pipeline && s.pipeline.length > 0)) {
        if (!s.uses.includes("${{") && checkUsesName(s.uses) === undefined) out.push(s.uses);
      } else walk(s.pipeline);
    }
  };
  lists.forEach(walk);
  return out;
}
