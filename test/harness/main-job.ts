import { MainJobRunning, startMainJob, type MainJob } from './main-job-start.js';

/**
 * `npm start`: runs the main job until Ctrl-C (SIGINT) or SIGTERM, then stops what it started.
 * --exit-after-ready: stop right after printing the URL (a smoke run).
 */
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const exitAfterReady = process.argv.includes('--exit-after-ready');

// The harness's hooks for test runs kill child processes and exit at once on a signal; here the signal means
// "stop in order and say what was stopped", so this entry handles signals itself.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(signal);

let job: MainJob | undefined;
const startup = new AbortController();
let finishing = false;

async function finish(reason: string, code: number): Promise<never> {
  if (finishing) process.exit(code);
  finishing = true;
  if (job) {
    out(`\n${reason}: stopping ...`);
    const stopped = await job.stop();
    out(`stopped: ${stopped.join(', ') || 'nothing was running'}`);
    if (job.sandboxReused)
      out(`the sandbox was running before npm start and keeps running (npm run sandbox:down stops it)`);
  }
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (finishing) {
      out(`${signal} again: exiting now`);
      process.exit(130);
    }
    if (job) {
      void finish(signal, 0);
    } else if (!startup.signal.aborted) {
      // startMainJob stops what it started and rejects at its next step.
      out(`\n${signal}: stopping once the current step is done ...`);
      startup.abort();
    }
  });
}

function banner(j: MainJob): string {
  const rule = '='.repeat(Math.min(100, j.url.length + 20));
  return [
    '',
    rule,
    `  VS Code:  ${j.url}`,
    rule,
    `  KluctlDeployments gitops, app1, app2 in namespace kluctl-gitops; workspace ${j.workspace}`,
    `  KUBECONFIG=${j.state.kubeconfig}`,
    `  Ctrl-C stops code-server${j.sandboxReused ? '' : ' and the sandbox'}.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  out('npm start: Kluctl GitOps sandbox and VS Code (code-server on 127.0.0.1)');
  try {
    job = await startMainJob({ log: (line) => out(`  ${line}`), signal: startup.signal });
  } catch (error) {
    if (error instanceof MainJobRunning) {
      out(`npm start is already running (pid ${error.pid}); its VS Code:\n\n  ${error.url}\n`);
      process.exit(0);
    }
    if (startup.signal.aborted) {
      out('npm start interrupted');
      process.exit(130);
    }
    process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  if (startup.signal.aborted) await finish('interrupted', 130);
  out(`  ready in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  out(banner(job));
  if (exitAfterReady) await finish('--exit-after-ready', 0);
  const why = await job.codeServerExited;
  // Unless we are stopping it ourselves, code-server died or was stopped from outside (npm run sandbox:down).
  if (!finishing) await finish(`code-server stopped (${why.split('\n')[0]})`, 1);
}

void main();
