import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from './paths.js';

let built: string | undefined;

/**
 * The bundled Helm engine (helm-wasm/ built by scripts/build-helm-wasm.sh, cached by version outside the repo),
 * exported as KLUCTL_HELM_WASM: tests run the engine unbundled from out/, where there is no dist/helm.wasm next
 * to the code. Returns its path.
 */
export function useHelmWasm(): string {
  built ??= execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'build-helm-wasm.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 60 * 60 * 1000,
  }).trim();
  process.env.KLUCTL_HELM_WASM = built;
  return built;
}
