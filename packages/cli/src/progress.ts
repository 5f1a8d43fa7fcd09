/** A one-line progress display: redrawn in place on a terminal, sparse lines otherwise. */
export class ProgressLine {
  private last = 0;
  private lastText = '';

  constructor(
    private readonly write: (t: string) => void,
    private readonly isTTY: boolean,
    private readonly intervalMs = 150,
  ) {}

  update(text: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < (this.isTTY ? this.intervalMs : 5000)) return;
    if (!force && text === this.lastText) return;
    this.last = now;
    this.lastText = text;
    this.write(this.isTTY ? `\r\x1b[2K${text}` : `${text}\n`);
  }

  done(text?: string): void {
    if (this.isTTY) this.write(`\r\x1b[2K${text ? `${text}\n` : ''}`);
    else if (text) this.write(`${text}\n`);
  }
}

export function bar(done: number, total: number, width = 24): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(ratio * width);
  return `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (ratio >= 1 ? '=' : '>') : ''}${' '.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%`;
}
