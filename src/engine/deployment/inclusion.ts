/** -I/-E/--include-deployment-dir/--exclude-deployment-dir (spec §2.4, Kluctl's `utils.Inclusion`). */

export interface InclusionOptions {
  includeTags?: string[];
  excludeTags?: string[];
  includeDeploymentDirs?: string[];
  excludeDeploymentDirs?: string[];
}

export interface InclusionEntry {
  type: 'tag' | 'deploymentItemDir';
  value: string;
}

export function hasInclusion(o: InclusionOptions): boolean {
  return [o.includeTags, o.excludeTags, o.includeDeploymentDirs, o.excludeDeploymentDirs].some(
    (l) => (l?.length ?? 0) > 0,
  );
}

export function isIncluded(o: InclusionOptions, entries: readonly InclusionEntry[]): boolean {
  const includes: InclusionEntry[] = [
    ...(o.includeTags ?? []).map((value) => ({ type: 'tag' as const, value })),
    ...(o.includeDeploymentDirs ?? []).map((value) => ({
      type: 'deploymentItemDir' as const,
      value: normalizeDir(value),
    })),
  ];
  const excludes: InclusionEntry[] = [
    ...(o.excludeTags ?? []).map((value) => ({ type: 'tag' as const, value })),
    ...(o.excludeDeploymentDirs ?? []).map((value) => ({
      type: 'deploymentItemDir' as const,
      value: normalizeDir(value),
    })),
  ];
  const matches = (list: InclusionEntry[]) =>
    entries.some((e) => list.some((x) => x.type === e.type && x.value === e.value));
  if (matches(excludes)) return false;
  return includes.length === 0 || matches(includes);
}

function normalizeDir(dir: string): string {
  return dir.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
}
