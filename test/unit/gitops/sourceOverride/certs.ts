import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TestPki {
  caPem: string;
  leafPem: string;
  leafKey: string;
}

/**
 * A CA and a server certificate (localhost, 127.0.0.1, ::1) made with openssl (test helper). `kluctlLike` copies the
 * shape of the controller's pair that OpenSSL mistakes for a self-signed leaf: one subject for both, an EKU on
 * the CA, and no subject key id on the leaf.
 */
export function makePki(options: { kluctlLike: boolean; hosts?: string }): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'so-pki-'));
  try {
    const openssl = (...args: string[]): void => {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    };
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    const caSubject = options.kluctlLike ? '/O=Kluctl' : '/O=Test/CN=test source-override CA';
    const leafSubject = options.kluctlLike ? '/O=Kluctl' : '/O=Test/CN=localhost';
    const caExt = [
      'basicConstraints=critical,CA:TRUE',
      'keyUsage=digitalSignature,keyCertSign',
      ...(options.kluctlLike ? ['extendedKeyUsage=serverAuth'] : []),
    ];
    openssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '3650',
      '-subj',
      caSubject,
      ...caExt.flatMap((e) => ['-addext', e]),
    );
    openssl('req', '-new', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', leafSubject);
    const leafExt = [
      `subjectAltName=${options.hosts ?? 'DNS:localhost,DNS:source-override,IP:127.0.0.1,IP:::1'}`,
      'extendedKeyUsage=serverAuth',
      'keyUsage=digitalSignature',
      ...(options.kluctlLike ? ['subjectKeyIdentifier=none', 'authorityKeyIdentifier=keyid'] : []),
    ];
    fs.writeFileSync(path.join(dir, 'leaf.ext'), `${leafExt.join('\n')}\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'leaf.pem',
      '-days',
      '3650',
      '-extfile',
      'leaf.ext',
    );
    const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');
    return { caPem: read('ca.pem'), leafPem: read('leaf.pem'), leafKey: read('leaf.key') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
