import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { previewFile } from '../../../../src/engine/insight/preview.js';
import { renderBudget } from '../../../../src/engine/template/python/budget.js';
import { MAX_MACRO_DEPTH } from '../../../../src/engine/template/runtime/macro.js';
import { tempTree } from '../../../harness/files.js';
import { INSIGHT_PROJECT } from '../../../harness/insight-project.js';

/** Issue #18: a template that loops while it is typed ends with a diagnostic at its line, not a frozen render. */
describe('engine insight: a looping template in the preview of the buffer', () => {
  let dir: string;
  beforeEach(() => (dir = tempTree('kluctl-insight-loop-', INSIGHT_PROJECT)));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = () => path.join(dir, 'app/cm.yaml');

  it('range(10**9) stops at the step budget the editor gives, with a diagnostic at the loop line', async () => {
    const defaults = renderBudget();
    const started = Date.now();
    const r = await previewFile({
      projectDir: dir,
      target: 'prod',
      file: file(),
      text: 'apiVersion: v1\nkind: ConfigMap\n{% for i in range(10**9) %}\n# {{ i }}\n{% endfor %}\n',
      maxRenderSteps: 200_000,
    });
    const ms = Date.now() - started;
    assert.equal(r.rendered, undefined);
    assert.equal(r.diagnostics.length, 1, JSON.stringify(r.diagnostics));
    const d = r.diagnostics[0];
    assert.equal(d.file, file());
    assert.equal(d.severity, 'error');
    assert.match(d.message, /RenderBudgetExceeded: the render exceeded its budget of 200000 steps \(an endless/);
    assert.ok([3, 4].includes(d.line), `line ${d.line}`);
    assert.ok(ms < 10_000, `${ms} ms`);
    // The budget is the editor's for this render only.
    assert.deepEqual(renderBudget(), defaults);
  });

  it('a macro that calls itself ends with a RecursionError at its line, not a stack overflow', async () => {
    const r = await previewFile({
      projectDir: dir,
      target: 'prod',
      file: file(),
      text: 'a: 1\n{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}\nb: "{{ f(0) }}"\n',
    });
    assert.equal(r.diagnostics.length, 1, JSON.stringify(r.diagnostics));
    assert.match(
      r.diagnostics[0].message,
      new RegExp(`RecursionError: maximum recursion depth exceeded: macro 'f' called ${MAX_MACRO_DEPTH} levels deep`),
    );
    assert.ok([2, 3].includes(r.diagnostics[0].line), `line ${r.diagnostics[0].line}`);
    // A deep but finite recursion still renders.
    const ok = await previewFile({
      projectDir: dir,
      target: 'prod',
      file: file(),
      text: '{% macro f(n) %}{% if n < 200 %}{{ f(n + 1) }}{% else %}{{ n }}{% endif %}{% endmacro %}a: {{ f(0) }}\n',
    });
    assert.deepEqual(ok.diagnostics, []);
    assert.equal(ok.rendered, 'a: 200');
  });
});
