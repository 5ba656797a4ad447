import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar } from 'yaml';
import { MAX_CONFIG_BYTES } from '../../src/config/defaults.js';
import { findConfigFile, loadConfigFile } from '../../src/config/load-config.js';

const FIXTURES = fileURLToPath(new URL('fixtures/', import.meta.url));
const CONFIG = 'suites:\n  - name: unit\n    files: ["*.test.mjs"]\n';

type Check = (error: Error & { code?: string }) => true;

function fails(code: string, ...patterns: (RegExp | string)[]): Check {
  return (error) => {
    assert.equal(error.code, code);
    for (const pattern of patterns) {
      if (typeof pattern === 'string') assert.ok(error.message.includes(pattern), `${JSON.stringify(pattern)} not in:\n${error.message}`);
      else assert.match(error.message, pattern);
    }
    return true;
  };
}

describe('findConfigFile', () => {
  let root: string;
  before(async () => {
    // realpath: on some systems the temp directory is reached through a symlink.
    root = await realpath(await mkdtemp(join(tmpdir(), 'gpu-test-find-')));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('finds the config in the start directory', async () => {
    const dir = join(root, 'here');
    await mkdir(dir);
    await writeFile(join(dir, 'gpu-test.config.yaml'), CONFIG);
    assert.equal(await findConfigFile(dir), join(dir, 'gpu-test.config.yaml'));
  });

  it('searches upward through parent directories', async () => {
    const project = join(root, 'project');
    const deep = join(project, 'suites', 'vlm', 'captions');
    await mkdir(deep, { recursive: true });
    await writeFile(join(project, 'gpu-test.config.yaml'), CONFIG);
    assert.equal(await findConfigFile(deep), join(project, 'gpu-test.config.yaml'));
  });

  it('takes the nearest config when several directories have one', async () => {
    const outer = join(root, 'outer');
    const inner = join(outer, 'inner');
    const start = join(inner, 'src');
    await mkdir(start, { recursive: true });
    await writeFile(join(outer, 'gpu-test.config.yaml'), CONFIG);
    await writeFile(join(inner, 'gpu-test.config.yml'), CONFIG);
    assert.equal(await findConfigFile(start), join(inner, 'gpu-test.config.yml'));
  });

  it('prefers .yaml over .yml in the same directory', async () => {
    const dir = join(root, 'both');
    await mkdir(dir);
    await writeFile(join(dir, 'gpu-test.config.yml'), CONFIG);
    await writeFile(join(dir, 'gpu-test.config.yaml'), CONFIG);
    assert.equal(await findConfigFile(dir), join(dir, 'gpu-test.config.yaml'));
  });

  it('ignores a directory that has the config file name', async () => {
    const dir = join(root, 'decoy');
    await mkdir(join(dir, 'gpu-test.config.yaml'), { recursive: true });
    await writeFile(join(dir, 'gpu-test.config.yml'), CONFIG);
    assert.equal(await findConfigFile(dir), join(dir, 'gpu-test.config.yml'));
  });

  it('returns null when no directory up to the root has one', async () => {
    const dir = join(root, 'lonely', 'a', 'b');
    await mkdir(dir, { recursive: true });
    assert.equal(await findConfigFile(dir), null);
  });
});

describe('loadConfigFile', () => {
  it('parses the file, keeping positions and showing the path relative to the working directory', async () => {
    const loaded = await loadConfigFile('example.yaml', FIXTURES);
    assert.equal(loaded.file, join(FIXTURES, 'example.yaml'));
    assert.equal(loaded.displayPath, 'example.yaml');
    assert.equal(loaded.document.errors.length, 0);
    // The first key, `suites`, sits on line 2 after the comment; its position must survive parsing.
    const contents = loaded.document.contents;
    assert.ok(isMap(contents));
    const key = contents.items[0]?.key;
    assert.ok(isScalar(key) && key.range);
    assert.equal(key.value, 'suites');
    assert.deepEqual(loaded.lineCounter.linePos(key.range[0]), { line: 2, col: 1 });
  });

  it('shows the absolute path when it is shorter than the relative one', async () => {
    const loaded = await loadConfigFile(join(FIXTURES, 'example.yaml'), join(FIXTURES, 'a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19/20'));
    assert.equal(loaded.displayPath, join(FIXTURES, 'example.yaml'));
  });

  it('reports a YAML syntax error as CONFIG_PARSE with file:line:column and yaml\'s message', async () => {
    await assert.rejects(
      loadConfigFile('syntax-error.yaml', FIXTURES),
      fails('CONFIG_PARSE', 'syntax-error.yaml:4:3: YAML syntax error: Flow sequence in block collection', '- name: vlm', /fix the YAML syntax/),
    );
  });

  it('reports duplicate keys as a syntax error at the second key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gpu-test-dup-'));
    try {
      await writeFile(join(dir, 'gpu-test.config.yaml'), 'timeout: 1000\nconcurrency: 2\ntimeout: 2000\n');
      await assert.rejects(loadConfigFile('gpu-test.config.yaml', dir), fails('CONFIG_PARSE', 'gpu-test.config.yaml:3:1:', 'Map keys must be unique'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing --config file as CONFIG_NOT_FOUND, naming the path and the fix', async () => {
    await assert.rejects(
      loadConfigFile('configs/nope.yaml', FIXTURES),
      fails('CONFIG_NOT_FOUND', 'config file `configs/nope.yaml` does not exist', `(looked in ${join(FIXTURES, 'configs/nope.yaml')})`, 'check the --config path'),
    );
  });

  it('reports a directory given as --config, naming the file to pass instead', async () => {
    await assert.rejects(loadConfigFile('.', FIXTURES), fails('CONFIG_NOT_FOUND', 'is a directory', 'gpu-test.config.yaml'));
  });

  it('refuses a file over MAX_CONFIG_BYTES before parsing it, with its size and the fix; one at the limit is read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gpu-test-big-'));
    try {
      // A comment pads the file: at the limit it is still a valid config.
      const padded = (size: number): string => `${CONFIG}#${'x'.repeat(size - CONFIG.length - 2)}\n`;
      await writeFile(join(dir, 'at-limit.yaml'), padded(MAX_CONFIG_BYTES));
      assert.equal((await loadConfigFile('at-limit.yaml', dir)).document.errors.length, 0);
      await writeFile(join(dir, 'gpu-test.config.yaml'), padded(MAX_CONFIG_BYTES + 1));
      await assert.rejects(loadConfigFile('gpu-test.config.yaml', dir), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'CONFIG_TOO_LARGE');
        assert.equal(error.message, `config file \`gpu-test.config.yaml\` is 1.0 MiB (${MAX_CONFIG_BYTES + 1} bytes), over the 1 MiB limit for a config file, so it was not parsed; check that it is the config file you meant (a real one is a few KiB), or cut it down; --config names another file`);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a FIFO as --config without waiting for a writer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gpu-test-fifo-'));
    try {
      execFileSync('mkfifo', [join(dir, 'config.yaml')]);
      await assert.rejects(loadConfigFile('config.yaml', dir), fails('CONFIG_NOT_FOUND', 'config file `config.yaml` is not a regular file: it is a FIFO (named pipe)', 'check the --config path'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a YAML alias bomb ("billion laughs") cleanly, and an alias to no anchor at its position', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gpu-test-alias-'));
    try {
      const levels = Array.from({ length: 9 }, (_, i) => `  - &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`);
      await writeFile(join(dir, 'bomb.yaml'), ['tags:', `  - &a0 [${Array(10).fill('lol').join(', ')}]`, ...levels, ''].join('\n'));
      await assert.rejects(loadConfigFile('bomb.yaml', dir), fails('CONFIG_PARSE', 'bomb.yaml: YAML aliases expand to more than 100 copies of their anchors', 'write the values out'));
      await writeFile(join(dir, 'unresolved.yaml'), 'suites:\n  - name: a\n    files: *globs\n');
      await assert.rejects(loadConfigFile('unresolved.yaml', dir), fails('CONFIG_PARSE', 'unresolved.yaml:3:12: YAML alias `*globs` refers to no anchor; set `&globs` on a value above it'));
      // Aliases within the limit are fine.
      await writeFile(join(dir, 'fine.yaml'), 'tags: &t [slow]\nsuites:\n  - name: a\n    files: ["a/*.ts"]\n    tags: *t\n  - name: b\n    files: ["b/*.ts"]\n    tags: *t\n');
      assert.equal((await loadConfigFile('fine.yaml', dir)).document.errors.length, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
