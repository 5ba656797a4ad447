// The node:test reporter of `gpu-test list --tests`: one JSON line per declared test, in declaration order (node:test
// emits `test:start` in that order), and one per test or suite that failed while being declared.

interface CollectEvent {
  readonly type: string;
  readonly data: { readonly name: string; readonly nesting: number; readonly details?: { readonly error?: { readonly message?: string; readonly cause?: { readonly message?: string } } } };
}

/** Lines of `{ name, nesting }` and `{ error, name }`, for src/cli/list-tests.ts. */
export default async function* listTestsReporter(source: AsyncIterable<CollectEvent>): AsyncGenerator<string> {
  for await (const event of source) {
    if (event.type === 'test:start') yield `${JSON.stringify({ name: event.data.name, nesting: event.data.nesting })}\n`;
    if (event.type === 'test:fail') {
      const error = event.data.details?.error;
      yield `${JSON.stringify({ name: event.data.name, error: error?.cause?.message ?? error?.message ?? 'failed' })}\n`;
    }
  }
}
