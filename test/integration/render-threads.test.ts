import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { revivedNode, runHelperBatch, type ItemJob, type ItemJobBatch } from '../../src/engine/render/item-jobs.js';
import { startItemHelper } from '../../src/engine/worker/item-helper.js';
import { workerEngine } from '../../src/engine/worker/client.js';
import { inProcessEngine, type EngineRequest } from '../../src/engine/worker/request.js';
import { buildEngineWorker } from '../harness/engine-projects.js';
import { writeFiles } from '../harness/files.js';
import { testBinaries } from '../harness/paths.js';

/**
 * A render's helper thread for real (render/item-jobs.ts, worker/item-helper.ts): a worker of the engine bundle
 * started as the engine worker starts it. Its results cross the thread boundary intact, an item with a SOPS file
 * waits for its turn (real sops and age), and a render in the engine worker, helper included, prints what the serial
 * render in this thread prints.
 */

function cm(name: string, data: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: threads\ndata:\n${data}`;
}

const ITEMS = 40;

describe('a render with its helper thread @integration', function () {
  this.timeout(180_000);
  let tmp: string;
  let workerFile: string;
  let keyFile: string;

  before(async function () {
    this.timeout(180_000);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-render-threads-'));
    workerFile = await buildEngineWorker(path.join(tmp, 'engine-worker.cjs'));
    const files: Record<string, string> = {
      '.kluctl.yaml': 'targets:\n  - name: t\n    args:\n      env: one\nargs:\n  - name: env\n',
      'deployment.yaml': `deployments:\n${Array.from({ length: ITEMS }, (_, i) => `  - path: item-${i}\n`).join('')}`,
    };
    for (let i = 0; i < ITEMS; i++) {
      // Enough template work per item that the helper, once started, finds items left to claim.
      files[`item-${i}/cm.yaml`] = cm(
        `cm-${i}`,
        `  n: "{{ ${i} * 7 }}"\n{% for k in range(200) %}  k{{ k }}: "{{ (args.env ~ k) | upper }}"\n{% endfor %}`,
      );
      if (i % 5 === 0) files[`item-${i}/kustomization.yaml`] = 'resources:\n  - cm.yaml\n  - secret.yaml\n';
      if (i % 5 === 0) files[`item-${i}/secret.yaml`] = cm(`plain-${i}`, '  value: "plain"\n');
    }
    writeFiles(path.join(tmp, 'project'), files);
    // Item 10's second file is SOPS-encrypted (age): its build needs a key, so it waits for its turn.
    const bins = testBinaries('sops', 'age-keygen');
    keyFile = path.join(tmp, 'age.txt');
    execFileSync(bins['age-keygen'], ['-o', keyFile], { stdio: 'pipe' });
    const recipient = /public key: (age1[0-9a-z]+)/.exec(fs.readFileSync(keyFile, 'utf8'))![1];
    fs.writeFileSync(
      path.join(tmp, 'project', 'item-10', 'secret.yaml'),
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: threads\nstringData:\n  token: decrypted\n',
    );
    execFileSync(bins.sops, ['-e', '-i', '--age', recipient, 'item-10/secret.yaml'], {
      cwd: path.join(tmp, 'project'),
      stdio: 'pipe',
    });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const jobs = (renderDir: string): ItemJob[] =>
    Array.from({ length: ITEMS }, (_, i) => {
      const itemDir = path.join(tmp, 'project', `item-${i}`);
      return {
        index: i,
        sourceRoot: path.join(tmp, 'project'),
        itemDir,
        targetDir: path.join(renderDir, 'root', `item-${i}`),
        searchDirs: [itemDir, path.join(tmp, 'project')],
        vars: { args: { env: 'one' } },
        kustomize: { dir: itemDir, sourceId: 'root', recursive: false },
      };
    });

  it('returns what the same jobs give in this thread, rendered dirs and built objects', async () => {
    const renderDir = path.join(tmp, 'rendered');
    const batch = (): ItemJobBatch => ({ renderDir, jobs: jobs(renderDir), counter: new SharedArrayBuffer(4) });
    const helper = startItemHelper(workerFile);
    assert.ok(helper, 'a helper thread starts');
    let theirs;
    try {
      // This thread claims nothing: the helper does every job.
      theirs = await helper.run(batch());
    } finally {
      helper.dispose();
    }
    const mine = await runHelperBatch(batch());
    assert.equal(theirs.outcomes.length, ITEMS);
    assert.deepEqual(theirs.outcomes, mine.outcomes);
    assert.deepEqual(
      theirs.dirs.map(([i, d]) => [i, revivedNode(d)]),
      mine.dirs,
    );
    const byIndex = new Map(theirs.outcomes.map((o) => [o.index, o]));
    assert.equal(byIndex.get(10)?.kustomized, undefined, 'the item with a SOPS file is built in its turn');
    assert.equal(byIndex.get(5)?.kustomized?.objects.length, 2, 'an item of two files, built ahead');
    assert.equal((byIndex.get(7)?.kustomized?.objects[0].data as Record<string, string> | undefined)?.k199, 'ONE199');
  });

  it('prints in the engine worker (helper included) what the serial render prints in this thread', async () => {
    const request: EngineRequest<'render'> = {
      command: 'render',
      options: {
        projectDir: path.join(tmp, 'project'),
        target: 't',
        offline: true,
        env: { ...process.env, SOPS_AGE_KEY_FILE: keyFile },
      },
      print: true,
    };
    const engine = workerEngine({ workerFile });
    try {
      const threads = await engine.run(request);
      const serial = await inProcessEngine.run(request);
      assert.equal(threads.printed, serial.printed);
      assert.match(serial.printed ?? '', /token: decrypted/);
      assert.equal(serial.printed?.match(/^kind: ConfigMap$/gm)?.length, ITEMS + ITEMS / 5 - 1);
    } finally {
      engine.dispose();
    }
  });
});
