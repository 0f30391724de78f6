/** Progress of a job on the terminal: a redrawn bar on a TTY, a line per 10 % otherwise (logs, CI). */
export class ProgressReport {
  private lastDecile = -1;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly label: string,
  ) {}

  update(done: number, total: number): void {
    const fraction = total === 0 ? 1 : Math.min(1, done / total);
    if (this.out.isTTY) {
      const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - 50));
      const filled = Math.round(fraction * width);
      this.out.write(`\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent(fraction)} ${count(done)}/${count(total)} rows `);
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      this.out.write(`${this.label}: ${percent(fraction)} (${count(done)}/${count(total)} rows)\n`);
    }
  }

  /** Ends the bar's line so later output starts on a fresh one. */
  finish(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}

function percent(fraction: number): string {
  return `${Math.floor(fraction * 100)}%`.padStart(4);
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
