// One error class for everything the user can fix: a stable code, a message that says what, where and how.

/** Stable error codes; scripts and tests match on these, never on message text. */
export type GpuTestErrorCode =
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_PARSE'
  | 'CONFIG_TOO_LARGE'
  | 'CONFIG_INVALID'
  | 'USAGE'
  | 'UNKNOWN_TAG'
  | 'FILE_NOT_FOUND'
  | 'FILE_HEADER'
  | 'FILE_UNREADABLE'
  | 'EMPTY_SUITE'
  | 'NO_TEST_FILES'
  | 'NO_GPU'
  | 'GPU_READ'
  | 'REPORT_WRITE';

/** The harness's error: `code` is stable, `message` names the file/line and the fix, `cause` keeps the original. */
export class GpuTestError extends Error {
  readonly code: GpuTestErrorCode;

  constructor(code: GpuTestErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GpuTestError';
    this.code = code;
  }
}

/** Whether a value is a GpuTestError (also across module copies). */
export function isGpuTestError(value: unknown): value is GpuTestError {
  return value instanceof Error && value.name === 'GpuTestError' && typeof (value as GpuTestError).code === 'string';
}

/** Describes any thrown value in one line, for places that must report it rather than rethrow. */
export function describeError(value: unknown): string {
  if (value instanceof Error) return value.message;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
