/**
 * Suites whose absence or skipping would let a run pass without proving what the project claims (a real
 * kube-apiserver, the real kluctl, a real VS Code, measured conformance). A full run (`npm test` and the
 * test:unit/conformance/integration scripts set KLUCTL_REQUIRED_SUITES to the groups they cover) fails, naming the
 * suite, when one of them did not run all of its tests.
 */

export type SuiteGroup = 'unit' | 'conformance' | 'integration';

export const REQUIRED_SUITES: ReadonlyArray<{ group: SuiteGroup; title: string }> = [
  { group: 'unit', title: 'contributions (package.json ⇔ code)' },
  { group: 'unit', title: 'esbuild bundles' },
  { group: 'conformance', title: 'engine/kustomize: native builder vs kustomize v5.8.1 @conformance' },
  { group: 'conformance', title: 'engine/template: differential against Jinja2 3.1 @conformance' },
  { group: 'conformance', title: 'engine render conformance with kluctl render --print-all @integration @conformance' },
  {
    group: 'conformance',
    title: 'engine vars and git includes: conformance with kluctl render --print-all @integration @conformance',
  },
  { group: 'integration', title: 'real kube-apiserver @integration' },
  { group: 'integration', title: 'real kluctl CLI and controller @integration' },
  {
    group: 'integration',
    title: 'engine: diff/deploy/prune against a real cluster, cross-checked with the real kluctl',
  },
  {
    group: 'integration',
    title: 'engine OCI: includes and Helm charts against a real registry @integration @conformance',
  },
  {
    group: 'integration',
    title: 'engine: Helm repository pulls against a chart repository and kluctl v2.22.1 @integration',
  },
  { group: 'integration', title: 'source override against the real kluctl-controller @integration' },
  { group: 'integration', title: 'GitOps requests against the real kluctl-controller @integration' },
  {
    group: 'integration',
    title: 'the extension in a real VS Code (code-server 4.139.1, chromium) @integration @vscode',
  },
  { group: 'integration', title: 'the extension in a real VS Code against the real controller @integration @vscode' },
  {
    group: 'integration',
    title: 'npm start: sandbox, sample GitOps project and VS Code (the main job) @integration @vscode',
  },
];

export const REQUIRED_SUITES_ENV = 'KLUCTL_REQUIRED_SUITES';

/** The groups the run claims to cover, from the environment (`unit,conformance,integration`). */
export function requiredGroups(env = process.env): Set<SuiteGroup> {
  const groups = new Set<SuiteGroup>();
  for (const g of (env[REQUIRED_SUITES_ENV] ?? '').split(',').map((s) => s.trim())) {
    if (g === 'unit' || g === 'conformance' || g === 'integration') groups.add(g);
    else if (g) throw new Error(`${REQUIRED_SUITES_ENV}: unknown group "${g}" (unit, conformance, integration)`);
  }
  return groups;
}

/** The minimal view of a mocha suite this check needs (mocha's Suite satisfies it). */
export interface SuiteNode {
  title: string;
  suites: SuiteNode[];
  tests: Array<{ title: string; state?: 'passed' | 'failed' | 'pending'; isPending(): boolean }>;
}

/**
 * One line per required suite of `groups` that is missing, has no tests, or has a test that did not pass or fail
 * (skipped, pending, or never reached).
 */
export function requiredSuiteProblems(root: SuiteNode, groups: Set<SuiteGroup>): string[] {
  const byTitle = new Map<string, SuiteNode>();
  const visit = (s: SuiteNode): void => {
    if (!byTitle.has(s.title)) byTitle.set(s.title, s);
    s.suites.forEach(visit);
  };
  visit(root);
  const problems: string[] = [];
  for (const required of REQUIRED_SUITES.filter((r) => groups.has(r.group))) {
    const suite = byTitle.get(required.title);
    if (!suite) {
      problems.push(`required ${required.group} suite "${required.title}" is missing`);
      continue;
    }
    const tests: SuiteNode['tests'] = [];
    const collect = (s: SuiteNode): void => {
      tests.push(...s.tests);
      s.suites.forEach(collect);
    };
    collect(suite);
    const notRun = tests.filter((t) => t.isPending() || (t.state !== 'passed' && t.state !== 'failed'));
    if (tests.length === 0) problems.push(`required ${required.group} suite "${required.title}" has no tests`);
    else if (notRun.length > 0)
      problems.push(
        `required ${required.group} suite "${required.title}" skipped ${notRun.length} test(s): ${notRun
          .map((t) => t.title)
          .join('; ')}`,
      );
  }
  return problems;
}
