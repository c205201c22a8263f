import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chooseSchema, KLUCTL_YAML_LANGUAGE, SCHEMAS, wantsKluctlYaml } from '../../src/extension/schemaSelection.js';
import { REPO_ROOT } from '../harness/paths.js';

interface Rule {
  name?: string;
  match?: string;
  begin?: string;
  end?: string;
  include?: string;
  patterns?: Rule[];
  beginCaptures?: Record<string, { name: string }>;
  endCaptures?: Record<string, { name: string }>;
}
interface Grammar {
  scopeName: string;
  injectionSelector?: string;
  patterns: Rule[];
  repository?: Record<string, Rule>;
}
interface Manifest {
  contributes: {
    languages: Array<{ id: string; configuration?: string; extensions?: string[]; filenames?: string[] }>;
    grammars: Array<{ language?: string; scopeName: string; path: string; injectTo?: string[] }>;
    yamlValidation: Array<{ fileMatch: string[]; url: string }>;
    configuration: { properties: Record<string, { default?: unknown }> };
  };
}

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
const grammarAt = (p: string) => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, p), 'utf8')) as Grammar;

/**
 * The injection grammar applied to one line the way TextMate does within a line: at each position the rule whose
 * match starts first wins (ties: the first listed); a begin rule's scope lasts until its end. Enough for the
 * single-line tags of the tests; the real engine (vscode-textmate) is not a dependency of this package.
 */
function tokenize(line: string, g: Grammar): Array<[string, string[]]> {
  const out: Array<[string, string[]]> = [];
  const resolve = (rules: Rule[]): Rule[] =>
    rules.flatMap((r) =>
      r.include?.startsWith('#')
        ? resolve([g.repository![r.include.slice(1)]])
        : !r.match && !r.begin
          ? resolve(r.patterns ?? [])
          : [r],
    );
  const push = (text: string, scopes: string[]) => text && out.push([text, scopes]);
  const run = (from: number, rules: Rule[], scopes: string[], end?: RegExp): number => {
    let pos = from;
    while (pos < line.length) {
      let best: { rule: Rule; m: RegExpExecArray } | undefined;
      for (const rule of resolve(rules)) {
        const re = new RegExp(rule.match ?? rule.begin!, 'g');
        re.lastIndex = pos;
        const m = re.exec(line);
        if (m && (!best || m.index < best.m.index)) best = { rule, m };
      }
      const e = end ? new RegExp(end.source, 'g') : undefined;
      if (e) e.lastIndex = pos;
      const em = e?.exec(line);
      if (em && (!best || em.index <= best.m.index)) {
        push(line.slice(pos, em.index), scopes);
        return em.index;
      }
      if (!best) break;
      push(line.slice(pos, best.m.index), scopes);
      const { rule, m } = best;
      const inner = rule.name ? [...scopes, rule.name] : scopes;
      if (rule.match) {
        push(m[0], inner);
        pos = m.index + m[0].length;
      } else {
        push(m[0], [...inner, rule.beginCaptures?.['0']?.name ?? ''].filter(Boolean));
        const endRe = new RegExp(rule.end!);
        const stop = run(m.index + m[0].length, rule.patterns ?? [], inner, endRe);
        const closing = new RegExp(rule.end!, 'g');
        closing.lastIndex = stop;
        const cm = closing.exec(line);
        if (!cm) return line.length;
        push(cm[0], [...inner, rule.endCaptures?.['0']?.name ?? ''].filter(Boolean));
        pos = cm.index + cm[0].length;
      }
    }
    push(line.slice(pos), scopes);
    return line.length;
  };
  run(0, g.patterns, [g.scopeName]);
  return out;
}

describe('Templated YAML without false errors: the Kluctl YAML mode (issue #18)', () => {
  it('switches only YAML files of a Kluctl project that hold a Jinja2 tag', () => {
    const yes = (f: string, text: string) => wantsKluctlYaml(f, 'yaml', text, true);
    assert.ok(yes('/p/app/cm.yaml', 'data:\n  env: "{{ args.env }}"\n'));
    assert.ok(yes('/p/app/cm.yml', '{% if args.x %}\na: 1\n{% endif %}\n'));
    assert.ok(yes('/p/deployment.yaml', 'deployments:\n{# a comment #}\n  - path: x\n'));
    assert.ok(!yes('/p/app/cm.yaml', 'a: 1\nb: "{ not a tag }"\n'), 'no tag: stays yaml, with its schema');
    assert.ok(!wantsKluctlYaml('/p/app/cm.yaml', 'yaml', 'a: "{{ x }}"\n', false), 'not in a Kluctl project');
    assert.ok(!wantsKluctlYaml('/p/app/cm.yaml', 'kluctl-yaml', 'a: "{{ x }}"\n', true), 'already switched');
    assert.ok(!wantsKluctlYaml('/p/app/values.json', 'yaml', 'a: "{{ x }}"\n', true), 'not a .yaml name');
    // Bounded: a tag beyond the first 512 KiB is not looked for.
    assert.ok(!yes('/p/big.yaml', `${'a: 1\n'.repeat(200_000)}b: "{{ x }}"\n`));
  });

  it('contributes the language with its configuration, and the grammar that is YAML plus the Jinja2 injection', () => {
    const lang = manifest.contributes.languages.find((l) => l.id === KLUCTL_YAML_LANGUAGE)!;
    assert.ok(lang, 'the kluctl-yaml language');
    // No file name or extension claims files for it: only the content decides (templatedYaml.ts).
    assert.equal(lang.extensions, undefined);
    assert.equal(lang.filenames, undefined);
    JSON.parse(fs.readFileSync(path.join(REPO_ROOT, lang.configuration!), 'utf8'));
    const own = manifest.contributes.grammars.find((g) => g.language === KLUCTL_YAML_LANGUAGE)!;
    const root = grammarAt(own.path);
    assert.equal(root.scopeName, own.scopeName);
    assert.deepEqual(root.patterns, [{ include: 'source.yaml' }], 'YAML highlighting from VS Code’s own grammar');
    const injection = manifest.contributes.grammars.find((g) => g.scopeName === 'kluctl.jinja.injection')!;
    assert.deepEqual(injection.injectTo, ['source.yaml', own.scopeName]);
    const jinja = grammarAt(injection.path);
    // The selector names both roots, with left priority (before YAML's own rules), never inside comments.
    assert.deepEqual(
      jinja.injectionSelector!.split(',').map((s) => s.trim()),
      ['L:source.yaml -comment', `L:${own.scopeName} -comment`],
    );
  });

  it('the injection gives Jinja2 tags their scopes inside YAML values and on statement lines', () => {
    const jinja = grammarAt('syntaxes/kluctl-jinja.injection.tmLanguage.json');
    const scopesOf = (line: string, text: string) => tokenize(line, jinja).find(([t]) => t === text)?.[1] ?? [];
    const value = '  host: "{{ db.host | upper }}"';
    assert.deepEqual(scopesOf(value, '{{'), [
      'kluctl.jinja.injection',
      'meta.embedded.expression.jinja',
      'punctuation.section.embedded.begin.jinja',
    ]);
    assert.ok(scopesOf(value, 'db').includes('variable.other.jinja'));
    assert.ok(scopesOf(value, ' upper').includes('support.function.filter.jinja'));
    assert.ok(scopesOf(value, '  host: "').length === 1, 'the YAML around the tag is left to the YAML grammar');
    const statement = '{%- for k in range(3) %}';
    assert.ok(scopesOf(statement, '{%-').includes('punctuation.section.embedded.begin.jinja'));
    assert.ok(scopesOf(statement, 'for').includes('keyword.control.jinja'));
    assert.ok(scopesOf(statement, 'in').includes('meta.embedded.statement.jinja'));
    assert.ok(scopesOf(statement, '3').includes('constant.numeric.jinja'));
    assert.ok(scopesOf(statement, '%}').includes('punctuation.section.embedded.end.jinja'));
    assert.ok(scopesOf('a: 1 {# note #}', ' note ').includes('comment.block.jinja'));
    assert.ok(scopesOf("x: {{ 'a}}b' }}", 'a}}b').includes('string.quoted.single.jinja'), 'a string hides }}');
  });

  it('helm-chart.yaml, .kluctl.yaml and deployment.yaml get their schemas', () => {
    const helm = manifest.contributes.yamlValidation.find((v) => v.fileMatch.includes('helm-chart.yaml'))!;
    assert.equal(helm.url, `./media/schemas/${SCHEMAS.helmChart}`);
    assert.ok(helm.fileMatch.includes('helm-chart.yml'));
    assert.ok(fs.existsSync(path.join(REPO_ROOT, helm.url)));
    const project = manifest.contributes.yamlValidation.find((v) => v.fileMatch.includes('.kluctl.yaml'))!;
    assert.equal(project.url, `./media/schemas/${SCHEMAS.project}`);
    assert.equal(chooseSchema('/p/charts/x/helm-chart.yaml', '', true), 'helmChart');
    assert.equal(chooseSchema('/p/sub/deployment.yaml', 'deployments: []\n', true), 'deployment');
    assert.equal(manifest.contributes.configuration.properties['kluctl.editor.templatedYamlMode'].default, true);
  });
});
