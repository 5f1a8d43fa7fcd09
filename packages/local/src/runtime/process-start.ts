import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * When a process started, as an opaque string that differs between two processes that
 * had the same pid: Linux's start time in clock ticks since boot (field 22 of
 * /proc/<pid>/stat), elsewhere `ps`'s start time. Undefined when neither can tell (or
 * the process is gone); a lock then falls back to the pid alone.
 */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces or ')': the
    // fields after it start after the last ')'. starttime is field 22, the 20th after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[19];
    if (ticks && /^\d+$/.test(ticks)) return `linux:${bootId()}:${ticks}`;
  } catch {
    // no procfs (macOS, BSD) or no such process
  }
  try {
    const lstart = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
    }).trim();
    return lstart ? `ps:${lstart}` : undefined;
  } catch {
    return undefined;
  }
}

/** Ticks count from boot: after a reboot the same pid and tick count are another process. */
function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown-boot';
  }
}
