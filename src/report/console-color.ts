// Whether the console's output gets colours, decided on the stream it is written to (the console reporter writes to
// stderr, the plan listing to stdout): a terminal on one and a pipe on the other must each get what suits them.

/** A stream as far as the decision needs it: a TTY stream has `isTTY` and (Node >= 10) `hasColors()`. */
export interface ColorTarget {
  readonly isTTY?: boolean;
  hasColors?(count?: number, env?: NodeJS.ProcessEnv): boolean;
}

/**
 * Colours on `stream`: `--color`/`--no-color` when given; else `FORCE_COLOR` as Node reads it (set: on for the empty
 * string, `1`, `2`, `3` and `true`, off for anything else, such as `0`); else `NO_COLOR` set to anything but the empty
 * string turns them off (no-color.org); else the stream must be a terminal that has colours (`hasColors()`, which also
 * reads `TERM=dumb` and `NODE_DISABLE_COLORS`).
 */
export function decideColor(stream: ColorTarget, flag: boolean | null, env: NodeJS.ProcessEnv): boolean {
  if (flag !== null) return flag;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return ['', '1', '2', '3', 'true'].includes(force);
  const noColor = env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  if (stream.isTTY !== true) return false;
  return stream.hasColors ? stream.hasColors(16, env) : true;
}
