import { sandboxDown, sandboxUp } from './sandbox.js';

/** npm run sandbox:up | sandbox:down */
async function main(command: string | undefined): Promise<number> {
  if (command === 'up') {
    const { state, reused } = await sandboxUp();
    process.stdout.write(
      [
        reused ? 'sandbox already running' : 'sandbox started',
        `  API server      ${state.server} (context ${state.context})`,
        `  Git server      ${state.gitBaseUrl}/<repo>.git (repos in ${state.gitRoot})`,
        `  controller log  ${state.controllerLog}`,
        `  stop with       npm run sandbox:down`,
        `KUBECONFIG=${state.kubeconfig}`,
        '',
      ].join('\n'),
    );
    return 0;
  }
  if (command === 'down') {
    const stopped = await sandboxDown();
    process.stdout.write(stopped.length ? `sandbox stopped: ${stopped.join(', ')}\n` : 'no sandbox was running\n');
    return 0;
  }
  process.stderr.write('usage: sandbox-cli.js up|down\n');
  return 2;
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`sandbox: ${error.message}\n`);
    process.exit(1);
  },
);
