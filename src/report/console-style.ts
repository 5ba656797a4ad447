// The console reporter's styles, named by `--console-style`.

/** spec: a line per finished file with its failures under it; dot: a character per test. Both end with a recap. */
export const CONSOLE_STYLES = ['spec', 'dot'] as const;
/** One of CONSOLE_STYLES. */
export type ConsoleStyle = (typeof CONSOLE_STYLES)[number];
