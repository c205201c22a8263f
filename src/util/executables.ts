import * as fs from 'node:fs';
import * as path from 'node:path';

/** The first executable file named `name` (with Windows' extensions there) on a PATH-like list. */
export function findOnPath(name: string, pathVar = process.env.PATH ?? ''): string | undefined {
  const names = process.platform === 'win32' ? [`${name}.exe`, `${name}.cmd`, name] : [name];
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    for (const n of names) if (isExecutable(path.join(dir, n))) return path.join(dir, n);
  }
  return undefined;
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
