/** A syntax error at an offset of the expression text; the loader turns it into an Issue. */
export class ParseError extends Error {
  constructor(
    message: string,
    readonly pos: number,
    readonly code: 'syntax' | 'invalid_literal' | 'limit_exceeded' = 'syntax',
  ) {
    super(message);
    this.name = 'ParseError';
  }
}
