import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRenderer, TemplateRenderError } from '../../../../src/engine/template/renderer.js';
import { IMAGE_PLACEHOLDER } from '../../../../src/engine/template/kluctl/functions.js';
import { TemplateFloat } from '../../../../src/engine/template/context.js';
import { tempTree } from '../../../harness/files.js';

function tree(files: Record<string, string>): string {
  return tempTree('tpl-', files);
}

function renderError(fn: () => unknown): TemplateRenderError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof TemplateRenderError, String(e));
    return e;
  }
  assert.fail('expected a TemplateRenderError');
}

describe('engine/template: renderer API', () => {
  it('renders files through the search dirs in order, relative includes from the including file', () => {
    const root = tree({
      'item/deploy.yaml': "{% include './parts/a.yaml' %} {% include 'common.yaml' %}",
      'item/parts/a.yaml': 'a={{ x }}',
      'project/common.yaml': 'common',
      'item/common.yaml': 'item-common',
    });
    const r = createRenderer({ searchDirs: [path.join(root, 'item'), path.join(root, 'project')] });
    assert.equal(r.renderFile('deploy.yaml', { x: 1 }), 'a=1 item-common');
    assert.equal(
      createRenderer({ searchDirs: [path.join(root, 'project'), path.join(root, 'item')] }).renderFile(
        path.join(root, 'item', 'deploy.yaml'),
        { x: 1 },
      ),
      'a=1 common',
    );
  });

  it('allows absolute includes only under a search dir', () => {
    const root = tree({ 'in/x.yaml': 'inside', 'out/y.yaml': 'outside' });
    const r = createRenderer({ searchDirs: [path.join(root, 'in')] });
    assert.equal(r.renderString(`{% include '${path.join(root, 'in', 'x.yaml')}' %}`, {}), 'inside');
    const err = renderError(() => r.renderString(`{% include '${path.join(root, 'out', 'y.yaml')}' %}`, {}));
    assert.equal(err.errorType, 'TemplateNotFound');
  });

  it('names the template and line of an error, including errors inside included files', () => {
    const root = tree({
      'main.yaml': 'a: 1\nb: {% include "inc.yaml" %}\n',
      'inc.yaml': 'x\n\n{{ args.missing.x }}\n',
      'bad.yaml': '{% for %}',
    });
    const r = createRenderer({ searchDirs: [root] });
    const err = renderError(() => r.renderFile('main.yaml', { args: {} }));
    assert.equal(err.template, path.join(root, 'main.yaml'));
    assert.equal(err.location, path.join(root, 'inc.yaml'));
    assert.equal(err.line, 3);
    assert.equal(err.errorType, 'UndefinedError');
    assert.equal(
      err.message,
      `failed rendering template '${path.join(root, 'main.yaml')}': '${path.join(root, 'inc.yaml')}' line 3: UndefinedError: 'dict object' has no attribute 'missing'`,
    );

    const included = renderError(() => r.renderString('{% include "bad.yaml" %}', {}, { name: 'root.yaml' }));
    assert.equal(included.location, path.join(root, 'bad.yaml'));
    assert.equal(included.errorType, 'TemplateSyntaxError');

    const syntax = renderError(() => r.renderString('ok\n{% if %}', {}, { name: 'deployment.yaml' }));
    assert.match(syntax.message, /^failed rendering template 'deployment\.yaml': line 2: TemplateSyntaxError: /);
  });

  it('returns templates without a brace unchanged, trailing newline included', () => {
    const r = createRenderer({ searchDirs: [] });
    assert.equal(r.renderString('plain\n', {}), 'plain\n');
    assert.equal(r.renderString('{{ 1 }}\n', {}), '1');
  });

  it('produces the images.get_image placeholder', () => {
    const out = createRenderer({ searchDirs: [] }).renderString('{{ images.get_image("nginx") }}', {});
    assert.ok(out.startsWith(IMAGE_PLACEHOLDER.begin) && out.endsWith(IMAGE_PLACEHOLDER.end));
    const payload = out.slice(IMAGE_PLACEHOLDER.begin.length, -IMAGE_PLACEHOLDER.end.length);
    assert.equal(Buffer.from(payload, 'base64').toString(), '{"image": "nginx"}');
  });

  it('converts the context: sorted dict keys, ints vs floats, bigints, undefined members skipped', () => {
    const r = createRenderer({ searchDirs: [] });
    const ctx = {
      d: { b: 1, a: 2.5, c: new TemplateFloat(3), big: 2n ** 70n, skip: undefined },
      m: new Map([
        ['z', 1],
        ['y', 2],
      ]),
    };
    assert.equal(
      r.renderString('{{ d }} {{ m }}', ctx),
      "{'a': 2.5, 'b': 1, 'big': 1180591620717411303424, 'c': 3.0} {'y': 2, 'z': 1}",
    );
  });

  it('is lenient with strictUndefined=false (Kluctl NullUndefined)', () => {
    const r = createRenderer({ searchDirs: [], strictUndefined: false });
    assert.equal(
      r.renderString('[{{ missing }}][{{ missing.a.b }}][{{ missing + 1 }}][{% for x in missing %}x{% endfor %}]', {}),
      '[][][][]',
    );
    assert.throws(() => createRenderer({ searchDirs: [] }).renderString('{{ missing }}', {}), /'missing' is undefined/);
  });

  it('lets Kluctl globals win over user vars of the same name', () => {
    const r = createRenderer({ searchDirs: [] });
    assert.equal(
      r.renderString('{{ images.get_image is defined }} {{ range }}', { images: [], range: 'mine' }),
      'True mine',
    );
  });

  it('sends debug_print to the configured sink', () => {
    const lines: string[] = [];
    const r = createRenderer({ searchDirs: [], debugPrint: (l) => lines.push(l) });
    assert.equal(r.renderString('{{ debug_print({"a": 1}) }}x', {}), 'x');
    assert.deepEqual(lines, ["debug_print: {'a': 1}"]);
  });

  it('provides the time global (not covered by the differential test)', () => {
    const r = createRenderer({ searchDirs: [] });
    const t = 'time.parse_iso("2024-01-02T03:04:05Z")';
    assert.equal(
      r.renderString(`{{ ${t} + time.hour }}|{{ ${t}.as_timezone("Europe/Berlin") }}|{{ ${t}.weekday() }}`, {}),
      '2024-01-02T04:04:05+00:00|2024-01-02T04:04:05+01:00|1',
    );
    assert.match(r.renderString('{{ time.now() }}', {}), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  });

  it('reports files that cannot be found', () => {
    assert.throws(
      () => createRenderer({ searchDirs: [os.tmpdir()] }).renderFile('does-not-exist.yaml', {}),
      /could not be resolved/,
    );
  });
});
