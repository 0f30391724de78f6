import { spawn } from 'node:child_process';

/** What a finished child process left: its exit code and everything it printed. */
export interface ProcessRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to its end with exactly this environment (PATH kept, nothing else inherited) and `stdin`
 * (empty by default), and answers once its output streams have closed, so nothing it printed is missed.
 */
export function runToExit(command: string, args: readonly string[], options: { env?: Record<string, string>; cwd?: string; stdin?: string } = {}): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { PATH: process.env.PATH ?? '', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}
