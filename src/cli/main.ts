import { runCli } from './run.js';

// Ctrl-C cancels the running command, which then reports what it did; a second Ctrl-C exits at once.
const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  process.stderr.write('kluctl-ts: cancelling (press Ctrl-C again to exit immediately)\n');
  controller.abort();
});

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }, { signal: controller.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`kluctl-ts: ${error.message}\n`);
    process.exitCode = 1;
  },
);
