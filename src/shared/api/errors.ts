import { z } from 'zod';

/** Every failure that crosses the API boundary is one of these codes. */
export const ErrorCode = z.enum([
  'BAD_REQUEST', // the payload failed validation; details name the field
  'UNAUTHORIZED',
  'NOT_FOUND',
  'CONFLICT',
  'ENGINE_UNAVAILABLE', // the Docker engine cannot be reached
  'CANCELED',
  'UNSUPPORTED',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({
  code: ErrorCode,
  message: z.string(),
  /** What the user can do about it, when we know. */
  hint: z.string().optional(),
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The one error type of the API: thrown by the service, carried by every transport as
 *  `{ error: ErrorBody }` and rethrown on the client side. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; details?: unknown } = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.hint !== undefined) body.hint = this.hint;
    if (this.details !== undefined) body.details = this.details;
    return body;
  }

  static fromBody(body: ErrorBody): ApiError {
    return new ApiError(body.code, body.message, { hint: body.hint, details: body.details });
  }

  /** Any thrown value as an ApiError; unknown failures become INTERNAL with their message. */
  static from(err: unknown): ApiError {
    if (err instanceof ApiError) return err;
    if (err instanceof z.ZodError) return fromZodError(err);
    // Lower layers (fleet, machines) know nothing of the API; their errors say which code they
    // mean through `apiCode`.
    if (err instanceof Error && 'apiCode' in err) {
      const code = ErrorCode.safeParse(err.apiCode);
      const e = err as Error & { hint?: string; details?: unknown };
      if (code.success) return new ApiError(code.data, e.message, { hint: e.hint, details: e.details });
    }
    const message = err instanceof Error ? err.message : String(err);
    return new ApiError('INTERNAL', message);
  }
}

/** A validation failure as BAD_REQUEST naming each offending field. */
export function fromZodError(err: z.ZodError, what = 'request'): ApiError {
  const issues = err.issues.map((i) => ({
    field: i.path.map(String).join('.') || '(root)',
    message: i.message,
  }));
  const first = issues[0];
  const message = first
    ? `invalid ${what}: ${first.field}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
    : `invalid ${what}`;
  return new ApiError('BAD_REQUEST', message, { details: { issues } });
}

/** HTTP status for an error code (the HTTP transport's mapping). */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'BAD_REQUEST':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
      return 409;
    case 'ENGINE_UNAVAILABLE':
      return 503;
    case 'CANCELED':
      return 499;
    case 'UNSUPPORTED':
      return 501;
    case 'INTERNAL':
      return 500;
  }
}
