// The `if:` language (melange pkg/cond):
//   expr  := atom (('&&' | '||') atom)*        -- equal precedence, left to right; use parentheses
//   atom  := '(' expr ')' | value ('==' | '!=') value
//   value := 'single' | "double" (escapes \\ \' \" \n \t) | ${{ variable }}
import { UserError, type SourcePos } from "../errors.js";

export type Lookup = (name: string) => string | undefined;

/** Evaluates a condition; syntax errors and undefined variables are UserErrors at `pos`. */
export function evaluateCondition(expr: string, lookup: Lookup, pos?: SourcePos): boolean {
  const p = new ConditionParser(expr, lookup, pos);
  const result = p.expr();
  p.end();
  return result;
}

const WS = new Set([" ", "\t", "\n", "\r"]);
const VAR_CHAR = /[A-Za-z0-9._-]/;

class ConditionParser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly lookup: Lookup,
    private readonly pos?: SourcePos,
  ) {}

  private fail(msg: string): never {
    throw new UserError(`invalid if: ${msg} at position ${this.i} of "${this.s}"`, this.pos);
  }

  private ws(): void {
    while (this.i < this.s.length && WS.has(this.s[this.i]!)) this.i++;
  }

  private at(tok: string): boolean {
    this.ws();
    return this.s.startsWith(tok, this.i);
  }

  expr(): boolean {
    let result = this.atom();
    for (;;) {
      if (this.at("&&")) {
        this.i += 2;
        const rhs = this.atom();
        result = result && rhs;
      } else if (this.at("||")) {
        this.i += 2;
        const rhs = this.atom();
        result = result || rhs;
      } else return result;
    }
  }

  end(): void {
    this.ws();
    if (this.i < this.s.length) this.fail(`unexpected "${this.s.slice(this.i, this.i + 10)}"`);
  }

  private atom(): boolean {
    if (this.at("(")) {
      this.i++;
      const r = this.expr();
      if (!this.at(")")) this.fail('expected ")"');
      this.i++;
      return r;
    }
    const lhs = this.value();
    this.ws();
    const op = this.s.slice(this.i, this.i + 2);
    if (op !== "==" && op !== "!=") this.fail(`expected "==" or "!="${op ? `, got "${op}"` : ""}`);
    this.i += 2;
    const rhs = this.value();
    return op === "==" ? lhs === rhs : lhs !== rhs;
  }

  private value(): string {
    this.ws();
    if (this.i >= this.s.length) this.fail("unexpected end of condition");
    const c = this.s[this.i]!;
    if (c === "'" || c === '"') return this.quoted(c);
    if (this.s.startsWith("${{", this.i)) return this.variable();
    this.fail(`unexpected character "${c}" (quote string values: '${c}...')`);
  }

  private quoted(quote: string): string {
    this.i++;
    let out = "";
    while (this.i < this.s.length && this.s[this.i] !== quote) {
      const c = this.s[this.i]!;
      if (c === "\\" && this.i + 1 < this.s.length) {
        const e = this.s[++this.i]!;
        if (e === "\\" || e === "'" || e === '"') out += e;
        else if (e === "n") out += "\n";
        else if (e === "t") out += "\t";
        else out += "\\" + e;
      } else out += c;
      this.i++;
    }
    if (this.i >= this.s.length) this.fail("unterminated string");
    this.i++;
    return out;
  }

  private variable(): string {
    this.i += 3;
    this.ws();
    const start = this.i;
    while (this.i < this.s.length && VAR_CHAR.test(this.s[this.i]!)) this.i++;
    if (this.i === start) this.fail("empty variable name");
    const name = this.s.slice(start, this.i);
    if (!this.at("}}")) this.fail(`unterminated variable reference "${name}"`);
    this.i += 2;
    const v = this.lookup(name);
    if (v === undefined) throw new UserError(`undefined variable "\${{${name}}}" in if: "${this.s}"`, this.pos);
    return v;
  }
}
