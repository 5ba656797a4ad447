// node:test's `test` with test(), it() and their .only variants given a default per-test timeout (--test-timeout).

/** node:test's default export: a function with the rest of the API as properties. */
export type NodeTest = ((...args: unknown[]) => unknown) & Record<string, unknown>;

// test([name][, options][, fn]): the options object is added, or completed, wherever the caller left it out.
function withTimeout(register: NodeTest, ms: number): NodeTest {
  const wrapped = function registerWithTimeout(this: unknown, ...args: unknown[]): unknown {
    const name = typeof args[0] === 'string' ? args.shift() : undefined;
    const given = typeof args[0] === 'object' && args[0] !== null ? (args.shift() as Record<string, unknown>) : {};
    const options = given['timeout'] === undefined ? { ...given, timeout: ms } : given;
    return name === undefined ? register.call(this, options, ...args) : register.call(this, name, options, ...args);
  } as NodeTest;
  for (const key of Object.keys(register)) wrapped[key] = register[key];
  if (typeof register['only'] === 'function') wrapped['only'] = withTimeout(register['only'] as NodeTest, ms);
  return wrapped;
}

/** `original` with test() and it() (and .only) timing out after `ms` unless a test says otherwise. */
export function withTimeouts(original: NodeTest, ms: number): NodeTest {
  const test = withTimeout(original, ms);
  test['test'] = test;
  test['it'] = withTimeout(original['it'] as NodeTest, ms);
  return test;
}
