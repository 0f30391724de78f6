import { Transform } from 'node:stream';

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

const PROGRESS_INTERVAL_MS = 100;

/**
 * The progress of a stream through the vault (npm run -s deid), redrawn in place on a terminal: bytes sent
 * against the input file's size (when it is a file), lines back, lines per second. Off when `enabled` is
 * false (not a terminal, or --quiet), so piped output and logs stay clean.
 */
export class StreamProgress {
  private sent = 0;
  private received = 0;
  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly totalBytes: number | null,
    private readonly enabled: boolean,
  ) {}

  counting(direction: 'sent' | 'received'): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        if (direction === 'sent') this.sent += chunk.length;
        else for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) this.received += 1;
        this.draw(false);
        done(null, chunk);
      },
    });
  }

  finish(): void {
    this.draw(true);
    if (this.enabled) this.out.write('\n');
  }

  private draw(force: boolean): void {
    const now = Date.now();
    if (!this.enabled || (!force && now - this.lastDraw < PROGRESS_INTERVAL_MS)) return;
    this.lastDraw = now;
    const rate = Math.round(this.received / Math.max((now - this.started) / 1000, 0.001));
    let bar = '';
    if (this.totalBytes !== null && this.totalBytes > 0) {
      const fraction = Math.min(this.sent / this.totalBytes, 1);
      const filled = Math.round(fraction * 30);
      bar = `[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% `;
    }
    this.out.write(`\r${bar}${this.received.toLocaleString('en-US')} lines back, ${rate.toLocaleString('en-US')}/s `);
  }
}
