import { GitServer } from './git-server.js';

/** Runs the loopback Git server as its own process (the sandbox): git-server-main.js <root> [port] */
const [root, port] = process.argv.slice(2);
if (!root) {
  process.stderr.write('usage: git-server-main.js <root> [port]\n');
  process.exit(2);
}
GitServer.start(root, Number(port ?? 0)).then(
  (server) => {
    process.stdout.write(`git server listening on ${server.baseUrl} (root ${root})\n`);
    const stop = (): void => void server.stop().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  },
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
