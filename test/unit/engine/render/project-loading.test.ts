import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../../../src/cli/run.js';
import { isIncluded } from '../../../../src/engine/deployment/inclusion.js';
import { applyDefaultArgs, argsFromEnv, parseArgs } from '../../../../src/engine/project/args.js';
import { ProjectError } from '../../../../src/engine/errors.js';
import { DEPLOYMENT_PROJECT, KLUCTL_PROJECT } from '../../../../src/engine/project/schema.js';
import { parseYaml } from '../../../../src/engine/yaml/strict.js';
import { renderProject } from '../../../../src/engine/render/render-project.js';
import { goYamlKeyLess } from '../../../../src/kluctl/yaml/go-yaml-keys.js';
import { toGoYaml } from '../../../../src/kluctl/yaml/go-yaml.js';
import { writeFiles } from '../../../harness/files.js';

describe('engine render: project loading', () => {
  it('rejects unknown fields and duplicate keys with file and line', () => {
    assert.throws(
      () => parseYaml('deployments:\n  - path: a\n    bogus: 1\n', 'deployment.yaml', DEPLOYMENT_PROJECT),
      (e: ProjectError) => {
        assert.equal(e.file, 'deployment.yaml');
        assert.equal(e.line, 3);
        assert.match(e.message, /unknown field "bogus"/);
        return true;
      },
    );
    assert.throws(
      () => parseYaml('targets:\n  - name: a\n    name: b\n', '.kluctl.yaml', KLUCTL_PROJECT),
      /\.kluctl\.yaml:3: duplicate key/,
    );
    assert.throws(
      () => parseYaml('targets: {}\n', '.kluctl.yaml', KLUCTL_PROJECT),
      /cannot unmarshal object into a list/,
    );
  });

  it('reads YAML 1.1 scalars like sigs.k8s.io/yaml', () => {
    assert.deepEqual(parseYaml('a: yes\nb: off\nc: 0777\nd: "yes"\ne: 2024-01-02\n'), {
      a: true,
      b: false,
      c: 511,
      d: 'yes',
      e: '2024-01-02',
    });
  });

  it('parses -a args: dotted names, YAML values, last one wins', () => {
    assert.deepEqual(parseArgs(['a.b=1', 'c=true', "d='true'", 'e=', 'f={"k": "v"}', 'c=x']), {
      a: { b: 1 },
      c: 'x',
      d: 'true',
      e: null,
      f: { k: 'v' },
    });
    assert.throws(() => parseArgs(['no-equals']), /invalid --arg argument/);
    assert.deepEqual(argsFromEnv({ KLUCTL_ARG_2: 'b=2', KLUCTL_ARG_1: 'a=1', KLUCTL_ARG: 'z=0' }), [
      'z=0',
      'a=1',
      'b=2',
    ]);
  });

  it('applies defaults under given args and checks required args', () => {
    assert.deepEqual(applyDefaultArgs([{ name: 'my', default: { n1: 'd1', n2: 'd2' } }], { my: { n1: 'x' } }), {
      my: { n1: 'x', n2: 'd2' },
    });
    assert.throws(() => applyDefaultArgs([{ name: 'needed' }], {}), /required argument needed not set/);
  });

  it('filters by tags and dirs: excludes win, includes restrict', () => {
    const entries = [
      { type: 'tag' as const, value: 'a' },
      { type: 'deploymentItemDir' as const, value: 'x/y' },
    ];
    assert.equal(isIncluded({}, entries), true);
    assert.equal(isIncluded({ includeTags: ['b'] }, entries), false);
    assert.equal(isIncluded({ includeDeploymentDirs: ['./x/y/'] }, entries), true);
    assert.equal(isIncluded({ includeTags: ['a'], excludeDeploymentDirs: ['x/y'] }, entries), false);
  });
});

describe('engine render: output like go-yaml v2', () => {
  it('orders keys the way go-yaml does (digit runs as numbers)', () => {
    const keys = ['tag-10', 'tag-2', 'b', 'a', 'A1'].sort((a, b) =>
      goYamlKeyLess(a, b) ? -1 : goYamlKeyLess(b, a) ? 1 : 0,
    );
    assert.deepEqual(keys, ['A1', 'a', 'b', 'tag-2', 'tag-10']);
  });

  it('quotes, folds and blocks strings like go-yaml', () => {
    const long = 'aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp';
    assert.equal(
      toGoYaml({
        s: { yes: 'yes', num: '0123', colon: 'a: b', star: '*x', empty: '', dot: '.', multi: 'l1\nl2\n', long },
        l: [{ a: 1, b: [true, null] }],
        e: {},
      }),
      `e: {}\nl:\n- a: 1\n  b:\n  - true\n  - null\ns:\n  colon: 'a: b'\n  dot: .\n  empty: ""\n  long: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo\n    pppp\n  multi: |\n    l1\n    l2\n  num: "0123"\n  star: '*x'\n  "yes": "yes"\n`,
    );
  });
});

describe('engine render: renderProject', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-unit-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (files: Record<string, string>) => writeFiles(dir, files);

  it('renders a targeted project offline with labels, annotations and target vars', async () => {
    write({
      '.kluctl.yaml': 'discriminator: "d-{{ target.name }}"\ntargets:\n  - name: t\n    args:\n      color: red\n',
      'deployment.yaml': 'commonLabels:\n  team: x\ndeployments:\n  - path: app\n',
      'app/kustomization.yaml': 'resources:\n  - cm.yaml\n',
      'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  color: "{{ args.color }}"\n',
    });
    const result = await renderProject({ projectDir: dir, target: 't', offline: true });
    assert.equal(result.target.name, 't');
    assert.deepEqual(result.objects, [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'cm',
          labels: { team: 'x', 'kluctl.io/discriminator': 'd-t', 'kluctl.io/tag-0': 'app' },
          annotations: { 'kluctl.io/deployment-item-dir': 'app' },
        },
        data: { color: 'red' },
      },
    ]);
  });

  it('fails without -t when targets exist, and on an unknown target', async () => {
    write({ '.kluctl.yaml': 'targets:\n  - name: t\n', 'deployment.yaml': 'deployments: []\n' });
    await assert.rejects(renderProject({ projectDir: dir, offline: true }), /a target must be explicitly selected/);
    await assert.rejects(renderProject({ projectDir: dir, target: 'nope', offline: true }), /target nope not existent/);
  });

  it('names the template file and line of a render error', async () => {
    write({ 'deployment.yaml': 'deployments:\n  - path: app\n', 'app/cm.yaml': 'a: 1\nb: "{{ missing.x }}"\n' });
    await assert.rejects(renderProject({ projectDir: dir, offline: true }), /app\/cm\.yaml': line 2: UndefinedError/);
  });

  it('a SOPS-encrypted vars file that names no key it can be decrypted with is an error naming the file', async () => {
    write({
      'deployment.yaml': 'vars:\n  - file: secret.yaml\ndeployments: []\n',
      'secret.yaml': 'a: ENC[AES256_GCM,data:x]\nsops:\n  mac: ENC[x]\n  lastmodified: "2024-01-01T00:00:00Z"\n',
    });
    await assert.rejects(
      renderProject({ projectDir: dir, offline: true }),
      /failed to decrypt file secret\.yaml: cannot get sops data key: the file names no master key/,
    );
  });
});

describe('kluctl-ts render CLI', () => {
  const capture = () => {
    let text = '';
    return {
      stream: { write: (c: string) => ((text += c), true) } as unknown as NodeJS.WritableStream,
      text: () => text,
    };
  };
  it('exits 2 with usage on bad flags', async () => {
    const out = capture();
    const err = capture();
    assert.equal(await runCli(['render', '--bogus'], { stdout: out.stream, stderr: err.stream }), 2);
    assert.match(err.text(), /unknown flag --bogus/);
    assert.match(err.text(), /Usage: kluctl-ts render/);
    assert.equal(await runCli(['render', '-t'], { stdout: out.stream, stderr: err.stream }), 2);
  });
});
