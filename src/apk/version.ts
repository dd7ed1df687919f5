// APK version strings and their ordering, following apk-tools' rules:
//   digit{.digit}...{letter}{_suffix{number}}...{~hash}{-rN}
// Pre-release suffixes (_alpha _beta _pre _rc) sort below the plain release, post-release ones
// (_cvs _svn _git _hg _p) above it. A dot-separated number with a leading zero is compared as a
// string (so 1.01 < 1.1), every other number numerically.

/** Token kinds in the order they may appear; the order matters for comparison. */
const enum Tok {
  InitialDigit = 0,
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNo = 4,
  CommitHash = 5,
  RevisionNo = 6,
  End = 7,
  Invalid = 8,
}

/** Suffix ranks: below NONE = pre-release, above = post-release. */
const SUFFIX_RANK: Record<string, number> = { alpha: 0, beta: 1, pre: 2, rc: 3, cvs: 5, svn: 6, git: 7, hg: 8, p: 9 };
const SUFFIX_NONE = 4;

interface Token {
  kind: Tok;
  /** the token's text (digits, letter, suffix word or hash) */
  text: string;
  /** numeric value for digit-like tokens, rank for suffixes */
  num: bigint;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}
function isLower(c: string | undefined): boolean {
  return c !== undefined && c >= "a" && c <= "z";
}
function isHex(c: string | undefined): boolean {
  return c !== undefined && ((c >= "0" && c <= "9") || (c >= "a" && c <= "f") || (c >= "A" && c <= "F"));
}

/** Lazily tokenizes one version; `next()` validates that each token may follow the previous one. */
class Tokenizer {
  private pos = 0;
  tok: Token = { kind: Tok.InitialDigit, text: "", num: 0n };
  constructor(private readonly s: string) {
    this.digits(Tok.InitialDigit);
  }

  private digits(kind: Tok): void {
    const start = this.pos;
    while (isDigit(this.s[this.pos])) this.pos++;
    const text = this.s.slice(start, this.pos);
    this.tok = text ? { kind, text, num: BigInt(text) } : { kind: Tok.Invalid, text: "", num: 0n };
  }

  private invalid(): void {
    this.tok = { kind: Tok.Invalid, text: "", num: 0n };
  }

  next(): void {
    const s = this.s;
    const prev = this.tok.kind;
    if (this.pos >= s.length) {
      this.tok = { kind: Tok.End, text: "", num: 0n };
      return;
    }
    const c = s[this.pos];
    if (isLower(c)) {
      if (prev > Tok.Digit) return this.invalid();
      this.pos++;
      this.tok = { kind: Tok.Letter, text: c, num: BigInt(c.charCodeAt(0)) };
    } else if (c === "." || isDigit(c)) {
      if (c === ".") {
        if (prev > Tok.Digit) return this.invalid();
        this.pos++;
      }
      if (prev === Tok.InitialDigit || prev === Tok.Digit) this.digits(Tok.Digit);
      else if (prev === Tok.Suffix) this.digits(Tok.SuffixNo);
      else this.invalid();
    } else if (c === "_") {
      if (prev > Tok.SuffixNo) return this.invalid();
      this.pos++;
      const start = this.pos;
      while (isLower(s[this.pos])) this.pos++;
      const word = s.slice(start, this.pos);
      const rank = SUFFIX_RANK[word];
      if (rank === undefined) return this.invalid();
      this.tok = { kind: Tok.Suffix, text: word, num: BigInt(rank) };
    } else if (c === "~") {
      if (prev >= Tok.CommitHash) return this.invalid();
      this.pos++;
      const start = this.pos;
      while (isHex(s[this.pos])) this.pos++;
      if (this.pos === start) return this.invalid();
      this.tok = { kind: Tok.CommitHash, text: s.slice(start, this.pos), num: 0n };
    } else if (c === "-") {
      if (prev >= Tok.RevisionNo || s[this.pos + 1] !== "r") return this.invalid();
      this.pos += 2;
      this.digits(Tok.RevisionNo);
    } else {
      this.invalid();
    }
  }
}

/** Byte-wise string order, shorter first on a common prefix (apk's blob sort). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareTokens(a: Token, b: Token): number {
  switch (a.kind) {
    case Tok.Digit:
      // A leading zero on either side means a string comparison (1.01 < 1.1, 1.001 < 1.01).
      if (a.text[0] === "0" || b.text[0] === "0") return compareText(a.text, b.text);
    // falls through
    case Tok.InitialDigit:
    case Tok.SuffixNo:
    case Tok.RevisionNo:
    case Tok.Letter:
    case Tok.Suffix:
      return a.num < b.num ? -1 : a.num > b.num ? 1 : 0;
    default:
      return compareText(a.text, b.text);
  }
}

/**
 * Compares two versions: -1, 0 or 1. With `fuzzy`, `a` equals `b` when `b` is a token prefix of
 * `a` (the `~` operator: 1.2.3-r0 matches ~1.2, 1.20 does not).
 */
export function compareVersionsFuzzy(a: string, b: string, fuzzy: boolean): -1 | 0 | 1 {
  const ta = new Tokenizer(a);
  const tb = new Tokenizer(b);
  while (ta.tok.kind === tb.tok.kind && ta.tok.kind < Tok.End) {
    const r = compareTokens(ta.tok, tb.tok);
    if (r !== 0) return r < 0 ? -1 : 1;
    ta.next();
    tb.next();
  }
  const ka = ta.tok.kind;
  const kb = tb.tok.kind;
  if (ka === kb) return 0;
  if (kb === Tok.End && fuzzy) return 0;
  // Equal so far: the longer one is newer, unless what follows is a pre-release suffix.
  if (ka === Tok.Suffix && ta.tok.num < SUFFIX_NONE) return -1;
  if (kb === Tok.Suffix && tb.tok.num < SUFFIX_NONE) return 1;
  if (ka > kb) return -1;
  if (kb > ka) return 1;
  return 0;
}

/** apk version order: negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  return compareVersionsFuzzy(a, b, false);
}

/** True for a version apk-tools accepts (e.g. `1.2.3a_rc1_p2~ab12-r4`). */
export function isValidVersion(v: string): boolean {
  const t = new Tokenizer(v);
  while (t.tok.kind < Tok.End) t.next();
  return t.tok.kind === Tok.End;
}
