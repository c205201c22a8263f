/**
 * Tree item contextValues follow one grammar, `kluctl:<type>[+flag…]`, matched in package.json `when` clauses
 * with `viewItem =~ /^kluctl:deployment\b/` and `viewItem =~ /\+suspended\b/`.
 */
export type NodeType =
  | 'context'
  | 'controller'
  | 'group'
  | 'deployment'
  | 'result'
  | 'object'
  | 'error'
  | 'info'
  | 'timeline'
  | 'event'
  | 'inventory'
  | 'validation';

export function contextValue(type: NodeType, flags: Record<string, boolean | undefined> = {}): string {
  const set = Object.entries(flags)
    .filter(([, on]) => on)
    .map(([flag]) => `+${flag}`)
    .join('');
  return `kluctl:${type}${set}`;
}
