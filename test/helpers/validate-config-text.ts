// Test support for config validation: a fixture file or a few lines of YAML checked as gpu-test.config.yaml, and the
// CONFIG_INVALID message a rejected one gives.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../src/config/load-config.js';
import { validateConfig, type ValidatedConfig } from '../../src/config/validate-config.js';

const FIXTURES = fileURLToPath(new URL('../config/fixtures/', import.meta.url));

/** Validates `test/config/fixtures/<name>`. */
export async function validateFixture(name: string): Promise<ValidatedConfig> {
  return validateConfig(await loadConfigFile(name, FIXTURES));
}

/** Writes `text` as gpu-test.config.yaml in a fresh directory and validates it, for cases too small for a fixture file. */
export async function validateText(text: string): Promise<ValidatedConfig> {
  const dir = await mkdtemp(join(tmpdir(), 'gpu-test-validate-'));
  try {
    await writeFile(join(dir, 'gpu-test.config.yaml'), text);
    return validateConfig(await loadConfigFile('gpu-test.config.yaml', dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The CONFIG_INVALID message of a rejected validation. */
export async function invalidMessage(validation: Promise<ValidatedConfig>): Promise<string> {
  let message = '';
  await assert.rejects(validation, (error: Error & { code?: string }) => {
    assert.equal(error.code, 'CONFIG_INVALID');
    message = error.message;
    return true;
  });
  return message;
}

/** Fails unless `message` contains every part, showing the message. */
export function includes(message: string, ...parts: string[]): void {
  for (const part of parts) assert.ok(message.includes(part), `${JSON.stringify(part)} not in:\n${message}`);
}
