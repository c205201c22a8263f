/**
 * Checks every parsed YAML document gets before it is turned into values: alias expansion bounded as go-yaml's
 * decoder bounds it ("document contains excessive aliasing"), and duplicate mapping keys found in linear time (the
 * `yaml` package's own `uniqueKeys` check compares every key with every earlier one: a 40,000-key ConfigMap took
 * 12 s). Both walk the syntax tree once; alias targets are sized once each.
 */

import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/** A problem at a source offset; callers turn it into their own error type with file and line. */
export class YamlLimitError extends Error {
  constructor(
    message: string,
    readonly offset: number | undefined,
  ) {
    super(message);
    this.name = 'YamlLimitError';
  }
}

// go-yaml v3 (decode.go): above 400,000 decoded nodes the allowed share of nodes reached through aliases falls
// from 99 % to 10 % at 4,000,000.
const RATIO_LOW = 400_000;
const RATIO_HIGH = 4_000_000;

function allowedAliasRatio(decoded: number): number {
  if (decoded <= RATIO_LOW) return 0.99;
  if (decoded >= RATIO_HIGH) return 0.1;
  return 0.99 - (0.89 * (decoded - RATIO_LOW)) / (RATIO_HIGH - RATIO_LOW);
}

export interface YamlCheckOptions {
  /** Report duplicate keys (kluctl's strict reads, kyaml); `<<` merge keys are never duplicates. */
  uniqueKeys?: boolean;
}

/**
 * Throws a YamlLimitError for excessive aliasing or (optionally) a duplicate key. Aliases are counted as go-yaml
 * counts decoded nodes: every node reached through an alias counts again, nested aliases multiply.
 */
export function checkYamlDocument(doc: Document, options: YamlCheckOptions = {}): void {
  const sizes = new Map<Node, number>();
  const anchors = new Map<string, Node>();
  let decoded = 0;
  let viaAlias = 0;

  /** Expanded node count of `node`, anchors resolved to the last definition before the alias (YAML order). */
  const sizeOf = (node: unknown, stack: Set<Node>): number => {
    if (!node || typeof node !== 'object') return 1;
    const n = node as Node;
    const known = sizes.get(n);
    if (known !== undefined) return known;
    let size = 1;
    if (isAlias(n)) {
      const target = anchors.get(n.source);
      if (target && !stack.has(target)) {
        stack.add(target);
        size = sizeOf(target, stack);
        stack.delete(target);
      }
    } else if (isMap(n) || isSeq(n)) {
      for (const item of n.items) {
        if (isPair(item)) size += sizeOf(item.key, stack) + sizeOf(item.value, stack);
        else size += sizeOf(item, stack);
        // Sizes grow multiplicatively through nested aliases; stop counting long before doubles lose precision.
        if (size > 1e12) break;
      }
    }
    sizes.set(n, size);
    return size;
  };

  const fail = (message: string, node: unknown): never => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    throw new YamlLimitError(message, range?.[0]);
  };

  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') {
      decoded++;
      return;
    }
    const n = node as Node;
    if (isAlias(n)) {
      const size = sizeOf(n, new Set());
      decoded += size;
      viaAlias += size;
      if (viaAlias > 100 && decoded > 1000 && viaAlias / decoded > allowedAliasRatio(decoded))
        fail('document contains excessive aliasing', n);
      return;
    }
    decoded++;
    if (n.anchor) anchors.set(n.anchor, n);
    if (isMap(n)) {
      const seen = options.uniqueKeys ? new Map<string, true>() : undefined;
      for (const pair of n.items) {
        const key = pair.key;
        if (seen && isScalar(key)) {
          const id = `${typeof key.value}:${String(key.value)}`;
          if (key.value !== '<<' || key.type !== 'PLAIN') {
            if (seen.has(id)) fail(`duplicate key: mapping key "${String(key.value)}" already defined`, key);
            seen.set(id, true);
          }
        }
        walk(key);
        walk(pair.value);
      }
    } else if (isSeq(n)) {
      for (const item of n.items) walk(item);
    }
  };
  walk(doc.contents);
}

/** The 1-based line of a YamlLimitError's offset. */
export function limitErrorLine(e: YamlLimitError, lines: LineCounter): number | undefined {
  return e.offset === undefined ? undefined : lines.linePos(e.offset).line;
}
