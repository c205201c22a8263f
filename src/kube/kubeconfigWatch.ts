import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Calls `onChange` (debounced) when one of the kubeconfig files changes: written in place, replaced by a rename (as
 * editors and `kubectl config` do), created or deleted. Each file's directory is watched, filtered to the file's
 * name, so a replaced file keeps being noticed. Returns the function that ends the watches and the pending timer;
 * a directory that does not exist is skipped (the file cannot appear there without it).
 */
export function watchKubeconfigFiles(files: readonly string[], onChange: () => void, debounceMs = 200): () => void {
  const byDir = new Map<string, Set<string>>();
  for (const file of files.slice(0, 32)) {
    const dir = path.dirname(path.resolve(file));
    let names = byDir.get(dir);
    if (!names) byDir.set(dir, (names = new Set()));
    names.add(path.basename(file));
  }
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const watchers: fs.FSWatcher[] = [];
  const fire = (): void => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!closed) onChange();
    }, debounceMs);
  };
  for (const [dir, names] of byDir) {
    try {
      const watcher = fs.watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || names.has(name.toString())) fire();
      });
      watcher.on('error', () => undefined);
      watchers.push(watcher);
    } catch {
      // No such directory (yet): nothing to watch.
    }
  }
  return () => {
    closed = true;
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
