/**
 * An error meant for the person on the other end of an HTTP request: a status, a stable
 * Matrix-style error code (`M_NOT_FOUND`, `M_INVALID_PARAM`, ...) and a message that says
 * what to do next. Thrown where the problem is found; turned into a response in one place.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly errcode: string;
  readonly extra: Record<string, unknown>;

  constructor(status: number, errcode: string, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.errcode = errcode;
    this.extra = extra;
  }
}
