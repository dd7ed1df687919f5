// The one error type for everything a user can fix: bad YAML, unknown keys, undefined variables,
// bad signatures. It carries a position when one is known, and is printed as `file:line:col: message`.
// Anything that is not a UserError is an internal failure.

export interface SourcePos {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  col: number;
}

export class UserError extends Error {
  override readonly name = "UserError";
  constructor(
    message: string,
    readonly pos?: SourcePos,
    /** What to do about it, shown after the message. */
    readonly hint?: string,
  ) {
    super(message);
  }

  /** `melange.yaml:7:3: unknown key "pipline" (did you mean "pipeline"?)` */
  format(): string {
    const where = this.pos ? `${this.pos.file}:${this.pos.line}:${this.pos.col}: ` : "";
    return where + this.message + (this.hint ? `\n  ${this.hint}` : "");
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** Several user errors at once (e.g. every schema problem in a file), printed one per line. */
export class UserErrors extends UserError {
  constructor(readonly errors: UserError[]) {
    super(errors.map((e) => e.format()).join("\n"), errors[0]?.pos);
  }
  override format(): string {
    return this.errors.map((e) => e.format()).join("\n");
  }
}
