// Module resolve hook, registered by the preload under `--repeat`: test files that import node:test get
// repeat-node-test.js instead. Imports from gpu-test's own child modules keep the real one.

const CHILD_DIR = new URL('./', import.meta.url).href;
const FACADE = new URL('./repeat-node-test.js', import.meta.url).href;

type NextResolve = (specifier: string, context: { parentURL?: string }) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: { parentURL?: string }, nextResolve: NextResolve): Promise<{ url: string; shortCircuit?: boolean }> {
  if (specifier === 'node:test' && !(context.parentURL ?? '').startsWith(CHILD_DIR)) {
    return { url: FACADE, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
