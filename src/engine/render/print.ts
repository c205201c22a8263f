/** Objects as `kluctl render --print-all` prints them: go-yaml v2 documents joined by `---`. */

import { toGoYaml } from '../../kluctl/yaml/go-yaml.js';

export function printAll(objects: readonly unknown[]): string {
  return objects.map(toGoYaml).join('---\n');
}
