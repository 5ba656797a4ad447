// Validates JUnit XML against the schema in test/report/schema/junit.xsd (the Jenkins xUnit junit-10 rules plus
// testcase file/line), with libxml2 compiled to WebAssembly, so CI needs no system package.

import { readFileSync } from 'node:fs';
import { memoryPages, validateXML } from 'xmllint-wasm';

const SCHEMA = readFileSync(new URL('./schema/junit.xsd', import.meta.url), 'utf8');

/** The schema errors of `xml` as `line: message` strings; empty when valid. */
export async function validateJunit(xml: string): Promise<string[]> {
  // The WebAssembly heap defaults to 32 MiB, less than a report with a file's whole captured output (1 MiB a stream,
  // up to six-fold once escaped) needs; libxml2's own limits, such as 10,000,000 bytes of text per node, still apply.
  const result = await validateXML({
    xml: [{ fileName: 'junit.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: SCHEMA }], maxMemoryPages: 256 * memoryPages.MiB,
  });
  return result.valid ? [] : result.errors.map((error) => `${error.loc?.lineNumber ?? '?'}: ${error.message}`);
}
