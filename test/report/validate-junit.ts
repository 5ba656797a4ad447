// Validates JUnit XML against the schema in test/report/schema/junit.xsd (the Jenkins xUnit junit-10 rules plus
// testcase file/line), with libxml2 compiled to WebAssembly, so CI needs no system package.

import { readFileSync } from 'node:fs';
import { validateXML } from 'xmllint-wasm';

const SCHEMA = readFileSync(new URL('./schema/junit.xsd', import.meta.url), 'utf8');

/** The schema errors of `xml` as `line: message` strings; empty when valid. */
export async function validateJunit(xml: string): Promise<string[]> {
  const result = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: SCHEMA }] });
  return result.valid ? [] : result.errors.map((error) => `${error.loc?.lineNumber ?? '?'}: ${error.message}`);
}
