import * as assert from 'node:assert/strict';
import { DEPLOYMENT_PROJECT, KLUCTL_PROJECT } from '../../../../src/engine/project/schema.js';
import { parseYaml } from '../../../../src/engine/yaml/strict.js';
import { formatFloat32g } from '../../../../src/engine/yaml/go-yaml-v2.js';

/**
 * Scalars as kluctl v2.22.1 reads its files (sigs.k8s.io/yaml over go-yaml v2), measured with the real binary (the
 * render conformance fixture scalars-go-yaml checks the same end to end).
 */
describe('kluctl file scalars (go-yaml v2 through sigs.k8s.io/yaml)', () => {
  it('resolves plain scalars as go-yaml v2, not YAML 1.1 by the book', () => {
    const v = parseYaml(
      'dot: .\nclock: 12:30\noctal: 0o17\nold: 017\neight: 08\nexp: 1e3\nunder: 1_000\nhex: 0x1F\nbin: -0b101\ny: 1\nbig: 1e400\n',
      'v.yaml',
    );
    assert.deepEqual(v, {
      dot: '.',
      clock: '12:30',
      octal: 15,
      old: 15,
      eight: 8,
      exp: 1000,
      under: 1000,
      hex: 31,
      bin: -5,
      // `y` is a YAML 1.1 boolean, also as a key: sigs.k8s.io/yaml names it "true".
      true: 1,
      big: '1e400',
    });
  });

  it('turns numbers and booleans in string fields into their Go text', () => {
    const d = parseYaml(
      'deployments:\n  - path: .\n    when: false\n    tags: [2024, 1.5, 017, yes, 1e6]\n  - include: .\ncommonLabels:\n  a: 12\n',
      'deployment.yaml',
      DEPLOYMENT_PROJECT,
    );
    assert.deepEqual(d, {
      deployments: [{ path: '.', when: 'false', tags: ['2024', '1.5', '15', 'true', '1e+06'] }, { include: '.' }],
      commonLabels: { a: '12' },
    });
    assert.deepEqual(parseYaml('targets:\n  - name: 2024\n    discriminator: 12:30\n', 'k', KLUCTL_PROJECT), {
      targets: [{ name: '2024', discriminator: '12:30' }],
    });
  });

  it('rejects a mapping used as a key, naming file and line', () => {
    assert.throws(() => parseYaml('a: 1\n? {b: 1}\n: c\n', 'v.yaml'), /^ProjectError: v\.yaml:2: unsupported map key/);
  });

  it('formats floats as strconv.FormatFloat(f, g, -1, 32)', () => {
    assert.deepEqual([1.5, 0.1, 1e6, 123456, 1234567, 0.0001, 0.00001, -2.5, 3.14159265358979].map(formatFloat32g), [
      '1.5',
      '0.1',
      '1e+06',
      '123456',
      '1.234567e+06',
      '0.0001',
      '1e-05',
      '-2.5',
      '3.1415927',
    ]);
  });
});
