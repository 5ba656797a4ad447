import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MESSAGE_LIMIT_BYTES } from '../../src/units/cap-text.js';
import type { RunResult } from '../../src/results/run-result.js';
import { TEST_PROPERTY_SEPARATOR } from '../../src/report/junit-properties.js';
import { renderJunit, WARNINGS_SUITE_NAME } from '../../src/report/junit.js';
import { escapeXmlAttribute, escapeXmlText } from '../../src/report/xml.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { HUGE_BYTES, HUGE_FRAME, HUGE_HEAD, HUGE_TAIL, hugeFailureRunResult } from '../helpers/huge-failure-run-result.js';
import { splitAtMarker } from '../helpers/split-at-marker.js';
import { sampleRepeatRunResult, staircaseLeaks } from '../helpers/sample-repeat-run-result.js';
import { sampleRunResult, sampleRunResultWithoutGpu } from '../helpers/sample-run-result.js';
import { validateJunit } from './validate-junit.js';

const GOLDEN = new URL('./golden/junit.xml', import.meta.url);
const HOSTILE = 'math > pipe | in <name> & "quotes" ]]> 🚀 \u0007';

interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
}

// Decodes what a conforming parser would: the five entities and numeric references.
function decodeReferences(value: string): string {
  const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
  return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return named[ref] ?? assert.fail(`unknown entity ${whole}`);
  });
}

// A small reader for the subset the report uses (schema validation proves the file well-formed), applying XML's
// attribute-value and line-end normalisation so escaping mistakes show as they would in lxml or xml2js.
function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack = [root];
  const token = /<\?xml[^?]*\?>|<\/([\w-]+)>|<([\w-]+)((?:\s+[\w-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  let consumed = 0;
  for (const match of xml.matchAll(token)) {
    assert.equal(match.index, consumed, `unexpected markup at offset ${consumed}`);
    consumed += match[0].length;
    const top = stack.at(-1) ?? assert.fail('unbalanced');
    if (match[1] !== undefined) {
      assert.equal(match[1], top.name);
      stack.pop();
    } else if (match[2] !== undefined) {
      const attributes: Record<string, string> = {};
      for (const [, key = '', value = ''] of (match[3] ?? '').matchAll(/([\w-]+)="([^"]*)"/g)) {
        attributes[key] = decodeReferences(value.replace(/[\t\n\r]/g, ' '));
      }
      const element: XmlElement = { name: match[2], attributes, children: [], text: '' };
      top.children.push(element);
      if (match[4] !== '/') stack.push(element);
    } else if (match[5] !== undefined) {
      top.text += decodeReferences(match[5].replace(/\r\n?/g, '\n'));
    }
  }
  assert.equal(consumed, xml.length);
  assert.equal(stack.length, 1);
  return root.children[0] ?? assert.fail('no document element');
}

const childrenNamed = (element: XmlElement, name: string): XmlElement[] => element.children.filter((child) => child.name === name);
const only = (element: XmlElement, name: string): XmlElement => {
  const found = childrenNamed(element, name);
  assert.equal(found.length, 1, `one <${name}> in <${element.name}>`);
  return found[0] ?? assert.fail();
};
const suiteNamed = (root: XmlElement, id: string): XmlElement =>
  childrenNamed(root, 'testsuite').find((suite) => suite.attributes.name === id) ?? assert.fail(`no testsuite ${id}`);
const propertiesOf = (suite: XmlElement): Map<string, string> =>
  new Map(childrenNamed(only(suite, 'properties'), 'property').map((p) => [p.attributes.name ?? '', p.attributes.value ?? '']));

function render(result: RunResult = sampleRunResult()): { xml: string; root: XmlElement } {
  const xml = renderJunit(result);
  return { xml, root: parseXml(xml) };
}

describe('renderJunit', () => {
  it('matches the golden file (set UPDATE_GOLDEN=1 to rewrite it after an intended change)', () => {
    const xml = renderJunit(sampleRunResult());
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, xml);
    assert.equal(xml, readFileSync(GOLDEN, 'utf8'));
  });

  it('is valid against the junit-10 schema with testcase file/line, with and without a GPU', async () => {
    assert.deepEqual(await validateJunit(renderJunit(sampleRunResult())), []);
    assert.deepEqual(await validateJunit(renderJunit(sampleRunResultWithoutGpu())), []);
  });

  it('keeps every count consistent with the testcases, and with the run counts', () => {
    const result = sampleRunResult();
    const { root } = render(result);
    const suites = childrenNamed(root, 'testsuite');
    assert.equal(suites.length, result.files.length + 1, 'a testsuite per file, and one for the warnings');
    let skipped = 0;
    for (const suite of suites) {
      const cases = childrenNamed(suite, 'testcase');
      const having = (name: string): number => cases.filter((c) => childrenNamed(c, name).length > 0).length;
      assert.equal(Number(suite.attributes.tests), cases.length);
      assert.equal(Number(suite.attributes.failures), having('failure'));
      assert.equal(Number(suite.attributes.errors), having('error'));
      assert.equal(Number(suite.attributes.skipped), having('skipped'));
      skipped += having('skipped');
    }
    assert.equal(Number(root.attributes.tests), result.counts.tests);
    assert.equal(Number(root.attributes.failures) + Number(root.attributes.errors), result.counts.failed);
    assert.deepEqual([root.attributes.failures, root.attributes.errors], ['1', '1']);
    assert.equal(skipped, result.counts.skipped + result.counts.todo);
    assert.equal(root.attributes.time, '2.500');
  });

  it('round-trips the hostile name and output through a parse, control characters made visible', () => {
    const { xml, root } = render();
    assert.doesNotMatch(xml, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    assert.doesNotMatch(xml, /]]>|&amp;quot;|CDATA/);
    const unit = suiteNamed(root, 'suites/unit/math.test.ts');
    const names = childrenNamed(unit, 'testcase').map((c) => c.attributes.name);
    assert.ok(names.includes(HOSTILE.replace('\u0007', '\\u0007')), names.join('\n'));
    assert.equal(only(unit, 'system-out').text, 'log line with <angle> & "quotes" ]]> and \\u0001 control\n');
  });

  it('writes an assertion failure with its type, message and stack frames, and a crash as an <error>', () => {
    const { root } = render();
    const failed = childrenNamed(suiteNamed(root, 'suites/unit/math.test.ts'), 'testcase').find((c) => c.attributes.line === '9');
    const failure = only(failed ?? assert.fail(), 'failure');
    assert.equal(failure.attributes.type, 'AssertionError');
    assert.equal(failure.attributes.message, 'Expected values to be strictly equal:\n\n1 !== 2\n<&> ]]>');
    assert.match(failure.text, /^AssertionError \[ERR_ASSERTION\]/);
    assert.match(failure.text, /\(\/project\/suites\/unit\/math\.test\.ts:10:12\)/);

    const crash = suiteNamed(root, 'suites/unit/crash.test.mjs');
    const error = only(only(crash, 'testcase'), 'error');
    assert.equal(error.attributes.type, 'crash');
    assert.match(error.attributes.message ?? '', /killed by SIGSEGV while "segfaults" was running/);
    assert.deepEqual([crash.attributes.failures, crash.attributes.errors], ['0', '1']);
    assert.equal(propertiesOf(crash).get('exit.signal'), 'SIGSEGV');
    assert.equal(only(crash, 'system-err').text, 'Segmentation fault\n');
  });

  it('writes skipped and todo tests as <skipped>, and a gated file as one case naming the variable', () => {
    const { root } = render();
    const cases = childrenNamed(suiteNamed(root, 'suites/unit/math.test.ts'), 'testcase');
    const skippedMessage = (name: string): string | undefined =>
      only(cases.find((c) => c.attributes.name === name) ?? assert.fail(name), 'skipped').attributes.message;
    assert.equal(skippedMessage('math > later'), 'needs the network');
    assert.equal(skippedMessage('math > someday'), 'todo');

    const flux = suiteNamed(root, 'suites/flux/flux.test.ts');
    const gated = only(flux, 'testcase');
    assert.deepEqual(gated.attributes, { name: 'suites/flux/flux.test.ts', classname: 'suites/flux/flux.test.ts', time: '0.000', file: 'suites/flux/flux.test.ts' });
    const skipped = only(gated, 'skipped');
    assert.equal(skipped.attributes.type, 'gated');
    assert.match(skipped.attributes.message ?? '', /^gated: set ENABLE_FLUX_TESTS=1 /);
    assert.deepEqual([flux.attributes.tests, flux.attributes.skipped], ['1', '1']);
    assert.equal(propertiesOf(flux).get('skip.enable.with'), 'ENABLE_FLUX_TESTS');
  });

  it('names the source file relative to the root with its line, and the job as classname', () => {
    const { root } = render();
    const first = childrenNamed(suiteNamed(root, 'suites/vlm/ensemble.test.ts'), 'testcase')[0] ?? assert.fail();
    assert.deepEqual(first.attributes, {
      name: 'ensemble > caption matches reference', classname: 'suites/vlm/ensemble.test.ts', time: '0.800', file: 'suites/vlm/ensemble.test.ts', line: '8',
    });
  });

  it('puts each test\'s memory figures and the file\'s facts into the testsuite properties', () => {
    const { root } = render();
    const vlm = suiteNamed(root, 'suites/vlm/ensemble.test.ts');
    assert.equal(vlm.attributes.timestamp, '2026-11-23T12:00:00');
    assert.equal(vlm.attributes.hostname, 'desk-01');
    for (const testcase of childrenNamed(vlm, 'testcase')) assert.equal(testcase.children.length, 0);
    const properties = propertiesOf(vlm);
    const figure = (test: string, name: string): string | undefined => properties.get(`${test}${TEST_PROPERTY_SEPARATOR}${name}`);
    assert.equal(figure('ensemble > caption matches reference', 'vram.before.bytes'), '0');
    assert.equal(figure('ensemble > caption matches reference', 'vram.delta.bytes'), String(4 * 1024 ** 3));
    assert.equal(figure('ensemble > caption matches reference', 'swap.delta.bytes'), String(16 * 1024 ** 2));
    assert.equal(figure('ensemble > three models agree', 'vram.delta.bytes'), String(-3.5 * 1024 ** 3));
    assert.equal(figure('ensemble > three models agree', 'rss.after.bytes'), String(600 * 1024 ** 2));
    assert.equal(figure('ensemble > three models agree', 'host.used.delta.bytes'), String(-2 * 1024 ** 3));
    assert.deepEqual(['suite', 'tags', 'lane', 'gpu.indices', 'status', 'exit.code'].map((name) => properties.get(name)), ['vlm', 'gpu', 'gpu', '0', 'passed', '0']);
    assert.equal(properties.get('host.gpus'), '0: NVIDIA H100 80GB HBM3 (GPU-d7bc1e4b-81c4-1f5e-ef93-3cc314b2269d)');

    const unit = propertiesOf(suiteNamed(root, 'suites/unit/math.test.ts'));
    assert.equal(unit.get(`math > adds${TEST_PROPERTY_SEPARATOR}rss.delta.bytes`), String(2 * 1024 ** 2));
    assert.equal([...unit.keys()].some((name) => name.includes('vram.')), false, 'no VRAM figure where none was measured');
    assert.equal([...unit.keys()].some((name) => name.startsWith('math > later')), false, 'no figures for a test whose hooks never ran');
  });

  it('says on a host without a GPU why there is none, with no VRAM figures', async () => {
    const { xml, root } = render(sampleRunResultWithoutGpu());
    assert.deepEqual(childrenNamed(root, 'testsuite').map((s) => s.attributes.name), ['suites/unit/math.test.ts', 'suites/flux/flux.test.ts', 'suites/unit/crash.test.mjs', WARNINGS_SUITE_NAME]);
    const properties = propertiesOf(suiteNamed(root, 'suites/unit/math.test.ts'));
    assert.equal(properties.get('host.gpus'), 'none');
    assert.match(properties.get('host.gpu.unavailable') ?? '', /nvidia-smi was not found on PATH/);
    assert.doesNotMatch(xml, /vram\./);
    assert.equal(root.attributes.tests, '6');
  });

  it('keeps per-test property names unique when two tests share a full name', () => {
    const result = sampleRunResult();
    const [unit, ...rest] = result.files;
    const adds = unit?.tests[0] ?? assert.fail();
    const { root } = render({ ...result, files: [{ ...(unit ?? assert.fail()), tests: [adds, adds] }, ...rest] });
    const names = [...propertiesOf(suiteNamed(root, 'suites/unit/math.test.ts')).keys()].filter((name) => name.endsWith('rss.delta.bytes'));
    assert.deepEqual(names, [`math > adds${TEST_PROPERTY_SEPARATOR}rss.delta.bytes`, `math > adds [2]${TEST_PROPERTY_SEPARATOR}rss.delta.bytes`]);
  });
});

describe('renderJunit under --repeat', () => {
  const result = sampleRepeatRunResult();
  const { xml, root } = render(result);
  const loader = propertiesOf(suiteNamed(root, 'suites/vlm/loader.test.ts'));
  const server = suiteNamed(root, 'suites/vlm/server.test.ts');

  it('stays valid against the schema', async () => {
    assert.deepEqual(await validateJunit(xml), []);
  });

  it('writes each metric as `<test> :: metric.<name>` with its number, and the unit apart', () => {
    assert.equal(loader.get(`loader > loads model [repeat 2/5]${TEST_PROPERTY_SEPARATOR}metric.tokens_per_s`), '41.2');
    assert.equal(loader.get(`loader > loads model [repeat 2/5]${TEST_PROPERTY_SEPARATOR}metric.tokens_per_s.unit`), 'tok/s');
    const figures = propertiesOf(server);
    assert.equal(figures.get(`answers within budget${TEST_PROPERTY_SEPARATOR}metric.requests`), '1000');
    assert.equal(figures.has(`answers within budget${TEST_PROPERTY_SEPARATOR}metric.requests.unit`), false, 'no unit property without a unit');
  });

  it('writes metrics of a test that has no memory window, and numbers a metric recorded twice', () => {
    const [loaderFile, ...rest] = result.files;
    const check = loaderFile?.tests.at(-1) ?? assert.fail();
    const twice = { ...check, metrics: [{ name: 'n', value: 1, unit: null }, { name: 'n', value: 2, unit: null }] };
    const { root } = render({ ...result, files: [{ ...(loaderFile ?? assert.fail()), tests: [twice] }, ...rest] });
    const properties = propertiesOf(suiteNamed(root, 'suites/vlm/loader.test.ts'));
    assert.equal(properties.get(`${check.fullName}${TEST_PROPERTY_SEPARATOR}metric.n`), '1');
    assert.equal(properties.get(`${check.fullName}${TEST_PROPERTY_SEPARATOR}metric.n [2]`), '2');
  });

  it('writes each leak call under the test\'s plain name: growth per iteration, R², verdict and reason', () => {
    const leak = (test: string, figure: string): string | undefined => loader.get(`${test}${TEST_PROPERTY_SEPARATOR}leak.${figure}`);
    assert.equal(leak('loader > loads model', 'vram.per_iteration.bytes'), String(52 * 1024 ** 2));
    assert.equal(leak('loader > loads model', 'vram.total.bytes'), String(208 * 1024 ** 2));
    assert.equal(leak('loader > loads model', 'vram.r_squared'), '1.0000');
    assert.equal(leak('loader > loads model', 'vram.threshold.bytes'), String(100 * 1024 ** 2));
    assert.equal(leak('loader > loads model', 'vram.verdict'), 'leak');
    assert.match(leak('loader > loads model', 'vram.reason') ?? '', /confirmed by a re-run/);
    assert.equal(leak('loader > loads model', 'ram.verdict'), 'no-leak');
    assert.equal(leak('loader > caches tokenizer', 'vram.verdict'), 'not-confirmed');
    assert.deepEqual([leak('loader > loads model', 'vram.pattern'), leak('loader > loads model', 'vram.source')], ['steady', 'processes']);
    assert.deepEqual([leak('loader > loads model', 'vram.recheck.iterations'), leak('loader > loads model', 'vram.recheck.why')], ['5', 'to confirm the leak: repeated 5 times']);
    assert.equal(leak('loader > loads model', 'vram.period.iterations'), undefined, 'no steps, no period');
  });

  it('writes a staircase\'s steps and period, and a metric\'s call under `leak.metric.<name>` in its own unit', async () => {
    const [loaderFile, ...rest] = result.files;
    const { xml, root } = render({ ...result, files: [{ ...(loaderFile ?? assert.fail()), leaks: staircaseLeaks() }, ...rest] });
    assert.deepEqual(await validateJunit(xml), []);
    const properties = propertiesOf(suiteNamed(root, 'suites/vlm/loader.test.ts'));
    const leak = (figure: string): string | undefined => properties.get(`server > answers a request${TEST_PROPERTY_SEPARATOR}leak.${figure}`);
    assert.deepEqual(['vram.pattern', 'vram.steps', 'vram.step.bytes', 'vram.period.iterations', 'vram.recheck.iterations', 'vram.verdict'].map(leak),
      ['staircase', '3', String(20 * 1024 ** 2), '10', '38', 'leak']);
    assert.deepEqual(['metric.torch_allocated_mib.per_iteration', 'metric.torch_allocated_mib.threshold', 'metric.torch_allocated_mib.verdict'].map(leak), ['2', '8', 'leak']);
    assert.equal(leak('metric.torch_allocated_mib.per_iteration.bytes'), undefined, 'a metric\'s figures are in its own unit');
  });

  it('counts the leak check as a failure from the test the producing side adds', () => {
    const suite = suiteNamed(root, 'suites/vlm/loader.test.ts');
    assert.deepEqual([suite.attributes.tests, suite.attributes.failures], ['11', '1']);
    const check = childrenNamed(suite, 'testcase').find((testcase) => testcase.attributes.name === 'loader > loads model [leak check: VRAM]');
    assert.equal(only(check ?? assert.fail(), 'failure').attributes.type, 'MemoryLeak');
  });

  it('writes what a file left behind as properties, and a line per orphan in system-err after its stderr', () => {
    assert.deepEqual(['residue.vram.before.bytes', 'residue.vram.after.bytes', 'orphan.4242.gpu', 'orphan.4242.vram.bytes', 'orphan.4242.killed'].map((name) => loader.get(name)),
      ['0', String(1.5 * 1024 ** 3), '0', String(1.5 * 1024 ** 3), 'false']);
    assert.equal(loader.get('orphan.4242.command'), 'python3 -m vllm.entrypoints.openai.api_server --model /models/llama-3-8b | tee `server.log`');
    assert.match(only(suiteNamed(root, 'suites/vlm/loader.test.ts'), 'system-err').text,
      /^\[gpu-test\] process 4242 \(python3 -m vllm[^\n]*\) was left holding 1\.5 GiB on GPU 0 after the file's process exited; it is still running: kill 4242, or run with --kill-orphans\n$/);
    const serverProperties = propertiesOf(server);
    assert.equal(serverProperties.get('orphan.5151.killed'), 'true');
    assert.equal(serverProperties.has('orphan.5151.vram.bytes'), false, 'no VRAM figure where the driver hid it');
    assert.equal(only(server, 'system-err').text, 'listening on :8001\n[gpu-test] process 5151 (node worker.js) was left holding VRAM on GPU 1 after the file\'s process exited; gpu-test killed it (--kill-orphans)\n');
  });

  it('writes no leak, metric or orphan properties for the shared sample', () => {
    assert.doesNotMatch(renderJunit(sampleRunResult()), /:: (leak|metric)\.|orphan\.|\[gpu-test\] process/);
  });

  it('writes the run\'s warnings in a testsuite of their own, as properties and system-err lines, with no testcase', () => {
    const base = sampleRunResult();
    const warnings = ['suite `vlm` (gpu-test.config.yaml:6:5) matches no test file', 'GPU 0 reported <N/A> & more'];
    const { root } = render({ ...base, warnings });
    const suite = suiteNamed(root, WARNINGS_SUITE_NAME);
    assert.deepEqual([suite.attributes.tests, suite.attributes.failures, suite.attributes.errors, suite.attributes.skipped], ['0', '0', '0', '0']);
    assert.equal(childrenNamed(suite, 'testcase').length, 0);
    const properties = propertiesOf(suite);
    assert.deepEqual([properties.get('warning.1'), properties.get('warning.2')], warnings);
    assert.equal(properties.get('gpu-test.version'), base.toolVersion);
    assert.equal(only(suite, 'system-err').text, warnings.map((warning) => `[gpu-test] warning: ${warning}\n`).join(''));
    assert.equal(root.attributes.tests, render(base).root.attributes.tests, 'the warnings change no count');
  });

  it('writes no warnings testsuite for a run without warnings', async () => {
    const xml = renderJunit({ ...sampleRunResult(), warnings: [] });
    assert.doesNotMatch(xml, /gpu-test \[warnings\]/);
    assert.deepEqual(await validateJunit(xml), []);
  });
});

describe('XML escaping', () => {
  it('escapes markup in text and attributes, keeping emoji and line ends', () => {
    assert.equal(escapeXmlText('a <b> & ]]> 🚀\r\n'), 'a &lt;b&gt; &amp; ]]&gt; 🚀&#13;\n');
    assert.equal(escapeXmlAttribute('say "hi"\tto <x>\nnow'), 'say &quot;hi&quot;&#9;to &lt;x&gt;&#10;now');
  });

  it('replaces characters XML 1.0 cannot carry with visible escapes', () => {
    assert.equal(escapeXmlText('\u0000\u0007\u000B\u001F\u007F\uFFFE\uFFFF'), '\\u0000\\u0007\\u000B\\u001F\\u007F\\uFFFE\\uFFFF');
    assert.equal(escapeXmlText('lone \uD800 and \uDC00, paired \uD83D\uDE80'), 'lone \\uD800 and \\uDC00, paired 🚀');
    assert.equal(escapeXmlAttribute('bell\u0007'), 'bell\\u0007');
  });

  it('escapes in one pass exactly as entities after visible escapes would, on random hostile strings', () => {
    // The two passes the escaping once made, kept here as the reference.
    const unrepresentable = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
    const visible = (value: string): string => value.replace(unrepresentable, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
    const text: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
    const attribute: Record<string, string> = { ...text, '"': '&quot;', '\t': '&#9;', '\n': '&#10;' };
    const alphabet = ['a', ' ', '>', '<', '&', '"', "'", '\t', '\n', '\r', '\u0000', '\u0007', '\u007F', '\u0085', '\uD83D', '\uDE80', '\uFFFE', 'é', ']'];
    const random = seededRandom(7);
    for (let round = 0; round < 2000; round++) {
      const value = Array.from({ length: Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      assert.equal(escapeXmlText(value), visible(value).replace(/[&<>\r]/g, (c) => text[c] ?? c), JSON.stringify(value));
      assert.equal(escapeXmlAttribute(value), visible(value).replace(/[&<>"\t\n\r]/g, (c) => attribute[c] ?? c), JSON.stringify(value));
    }
  });
});

describe('renderJunit given huge failure texts', () => {
  it('caps the failure message and stack, keeping head and tail and saying how many bytes were dropped', async () => {
    const xml = renderJunit(hugeFailureRunResult());
    // The crashed file's 1 MiB of stderr, as much as the harness keeps, is its system-err; everything else is small.
    assert.ok(xml.length < 1024 * 1024 + 256 * 1024, `junit.xml is ${xml.length} characters`);
    assert.deepEqual(await validateJunit(xml), []);
    const unit = suiteNamed(parseXml(xml), 'suites/unit/math.test.ts');
    const failure = only(childrenNamed(unit, 'testcase').find((c) => c.attributes.line === '9') ?? assert.fail(), 'failure');
    const message = failure.attributes.message ?? '';
    assert.ok(Buffer.byteLength(message) <= MESSAGE_LIMIT_BYTES);
    const { head, dropped, tail } = splitAtMarker(message);
    assert.ok(head.startsWith(HUGE_HEAD) && tail.endsWith(HUGE_TAIL), 'head and tail of the message');
    assert.equal(head.length + dropped + tail.length, HUGE_BYTES + 8, 'the exact bytes dropped');
    assert.ok(failure.text.startsWith('AssertionError [ERR_ASSERTION]: HEADxxx') && failure.text.endsWith(HUGE_FRAME), 'the stack keeps its frame');
    assert.match(failure.text, /bytes dropped …\]/);
    const skipped = childrenNamed(unit, 'testcase').flatMap((c) => childrenNamed(c, 'skipped'));
    assert.ok(skipped.some((s) => /^whyyy[^]*bytes dropped …\]/.test(s.attributes.message ?? '')));
  });

  it('stays under libxml2\'s 10,000,000-byte text limit in the worst case: capture-sized output of control characters', async () => {
    const xml = renderJunit(hugeFailureRunResult(true));
    // libxml2 (here as WebAssembly) refuses a longer text node outright: "Text node too long, try XML_PARSE_HUGE".
    assert.deepEqual(await validateJunit(xml), []);
    const systemOut = /<system-out>([^<]*)<\/system-out>/.exec(xml)?.[1] ?? assert.fail('no system-out');
    // Each of the 1 MiB of control characters is written as a visible `\u0001`: 6 MiB, the most any text node holds.
    assert.equal(systemOut.length, 6 * 1024 * 1024);
  });
});
