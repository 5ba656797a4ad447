// Module resolve hook under --test-timeout: whoever imports node:test, test files and --repeat's wrapper alike, gets
// test-timeout-node-test.js; that module itself gets the real one.

const ms = new URL(import.meta.url).searchParams.get('ms') ?? '';
const FACADE = new URL(`./test-timeout-node-test.js?ms=${ms}`, import.meta.url).href;
const FACADE_PATH = new URL('./test-timeout-node-test.js', import.meta.url).href;

type NextResolve = (specifier: string, context: { parentURL?: string }) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: { parentURL?: string }, nextResolve: NextResolve): Promise<{ url: string; shortCircuit?: boolean }> {
  if (specifier === 'node:test' && !(context.parentURL ?? '').startsWith(FACADE_PATH)) return { url: FACADE, shortCircuit: true };
  return nextResolve(specifier, context);
}
