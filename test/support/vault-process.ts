import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface VaultProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: string[];
  /** Settles with the exit code once the process has exited (null when a signal killed it). */
  readonly exited: Promise<number | null>;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs the built server (`node dist/main.js`, as `npm run start:prod` does) in a child process on a free
 * port, and resolves once it logs that it is listening. Global set-up builds dist/ before the tests run.
 */
export async function spawnVaultProcess(env: Record<string, string>, timeoutMs = 20_000): Promise<VaultProcess> {
  if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: run the tests through `npm test`, which builds first');
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: env.LOG_LEVEL ?? 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vault process did not start:\n${output.join('')}`)), timeoutMs);
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      output.push(text);
      const match = /"url":"(https?:\/\/[^"]+)"/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match[1].replace('[::1]', '127.0.0.1'));
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`vault process exited with ${code}:\n${output.join('')}`));
    });
  });
  return {
    url,
    child,
    output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
