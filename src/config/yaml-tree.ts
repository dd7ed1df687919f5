// Turns YAML text into plain data (objects, arrays, strings, null) while remembering where every key and value
// came from. We parse with the failsafe schema so every scalar keeps its source text, as Go's yaml.v3 does for
// string fields (`version: 5.0` stays "5.0"); fields that are numbers or booleans convert in the schema.
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from "yaml";
import { UserError, UserErrors, type SourcePos } from "../errors.js";

export type YamlPath = readonly (string | number)[];
export type YamlValue = string | null | YamlValue[] | { [key: string]: YamlValue };

interface Offsets {
  key?: number;
  value: number;
  /** End of the value's source (set for scalars), to find text inside it. */
  end?: number;
}

/** Source positions of every key and value of one parsed file, addressed by path. */
export class SourceMap {
  private readonly offsets = new Map<string, Offsets>();
  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
    private readonly text: string = "",
  ) {}

  /** @internal used while building the tree. */
  record(path: YamlPath, value: number, key?: number, end?: number): void {
    this.offsets.set(pathKey(path), { key, value, end });
  }

  /**
   * Position of the `occurrence`-th (0-based) appearance of `needle` inside the scalar at `path`, e.g. one
   * `${{ vars.x }}` reference in a multi-line `runs:`; undefined when it cannot be found verbatim.
   */
  posOfText(path: YamlPath, needle: string, occurrence = 0): SourcePos | undefined {
    const o = this.offsets.get(pathKey(path));
    if (!o || o.end === undefined) return undefined;
    let at = o.value - 1;
    for (let k = 0; k <= occurrence; k++) {
      at = this.text.indexOf(needle, at + 1);
      if (at < 0 || at >= o.end) return undefined;
    }
    return this.at(at);
  }

  /** Position of the value at `path` (or of its key with `at: "key"`); falls back to the nearest enclosing node. */
  pos(path: YamlPath, at: "key" | "value" = "value"): SourcePos {
    for (let n = path.length; n >= 0; n--) {
      const o = this.offsets.get(pathKey(path.slice(0, n)));
      if (!o) continue;
      // A missing child is best reported at its parent's key ("package:" lacks "name").
      const offset = n === path.length ? (at === "key" ? (o.key ?? o.value) : o.value) : (o.key ?? o.value);
      return this.at(offset);
    }
    return { file: this.file, line: 1, col: 1 };
  }

  /** True when the path exists in the source. */
  has(path: YamlPath): boolean {
    return this.offsets.has(pathKey(path));
  }

  at(offset: number): SourcePos {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }
}

function pathKey(path: YamlPath): string {
  return path.join("\u001f");
}

const NULLS = new Set(["", "~", "null", "Null", "NULL"]);

export interface ParsedYaml {
  value: YamlValue;
  sources: SourceMap;
}

/** Parses one YAML document. Syntax errors become UserErrors with positions. */
export function parseYaml(file: string, text: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { schema: "failsafe", lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const sources = new SourceMap(file, lines, text);
  if (doc.errors.length > 0) {
    throw new UserErrors(
      doc.errors.map((e) => new UserError(`invalid YAML: ${firstLine(e.message)}`, sources.at(e.pos[0]))),
    );
  }
  const errors: UserError[] = [];
  const value = doc.contents ? toValue(doc, doc.contents as Node, [], sources, errors) : null;
  if (errors.length > 0) throw new UserErrors(errors);
  return { value: value ?? {}, sources };
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

function toValue(doc: Document, node: Node, path: YamlPath, sources: SourceMap, errors: UserError[]): YamlValue {
  if (isAlias(node)) {
    const target = node.resolve(doc);
    return target ? toValue(doc, target as Node, path, sources, errors) : null;
  }
  if (isScalar(node)) {
    const v = String(node.value ?? "");
    return node.type === "PLAIN" && NULLS.has(v) ? null : v;
  }
  if (isSeq(node)) {
    return node.items.map((item, i) => {
      const child = [...path, i];
      const n = item as Node;
      sources.record(child, n?.range?.[0] ?? node.range?.[0] ?? 0, undefined, isScalar(n) ? n.range?.[1] : undefined);
      return n ? toValue(doc, n, child, sources, errors) : null;
    });
  }
  if (isMap(node)) {
    const out: { [key: string]: YamlValue } = {};
    const merges: YamlValue[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const keyOffset = keyNode?.range?.[0] ?? node.range?.[0] ?? 0;
      if (!isScalar(keyNode)) {
        errors.push(new UserError("map keys must be plain strings", sources.at(keyOffset)));
        continue;
      }
      const key = String(keyNode.value);
      if (key === "__proto__") {
        errors.push(new UserError(`key "__proto__" is not allowed`, sources.at(keyOffset)));
        continue;
      }
      const valueNode = pair.value as Node | null;
      if (key === "<<" && keyNode.type === "PLAIN" && valueNode) {
        merges.push(toValue(doc, valueNode, path, sources, errors));
        continue;
      }
      const child = [...path, key];
      sources.record(
        child,
        valueNode?.range?.[0] ?? keyNode.range?.[1] ?? keyOffset,
        keyOffset,
        isScalar(valueNode) ? valueNode.range?.[1] : undefined,
      );
      const value = valueNode ? toValue(doc, valueNode, child, sources, errors) : null;
      // An empty value means "not set", as yaml.v3 leaves the Go field at its zero value.
      if (value !== null) out[key] = value;
    }
    // YAML merge keys (`<<: *base`): explicit keys win.
    for (const m of merges.flat()) {
      if (m && typeof m === "object" && !Array.isArray(m)) {
        for (const [k, v] of Object.entries(m)) if (!(k in out)) out[k] = v;
      }
    }
    return out;
  }
  return null;
}
