/**
 * Text primitives for the CLI: colours that can be switched off, bars, durations, clock times, tables,
 * and width-safe truncation. Pure: no I/O, no clock (callers pass `now`).
 */

export interface Palette {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  blue(text: string): string;
  cyan(text: string): string;
  magenta(text: string): string;
}

const sgr = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;

/** ANSI colours when `enabled`, identity functions otherwise (pipes, `NO_COLOR`, tests). */
export function palette(enabled: boolean): Palette {
  if (!enabled) {
    const same = (text: string) => text;
    return {
      bold: same,
      dim: same,
      red: same,
      green: same,
      yellow: same,
      blue: same,
      cyan: same,
      magenta: same,
    };
  }
  return {
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    blue: sgr(34, 39),
    cyan: sgr(36, 39),
    magenta: sgr(35, 39),
  };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** The text without ANSI escape sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Printed width (code points, escapes excluded). The CLI only prints narrow characters. */
export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length;
}

/** Cuts a line to `width` printed columns, keeping escape sequences intact and ending with `…` when cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (visibleWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  let i = 0;
  while (i < text.length && used < width - 1) {
    if (text[i] === '\x1b') {
      const match = /^\x1b\[[0-9;?]*[A-Za-z]/.exec(text.slice(i)); // eslint-disable-line no-control-regex
      if (match) {
        out += match[0];
        i += match[0].length;
        continue;
      }
    }
    const char = String.fromCodePoint(text.codePointAt(i)!);
    out += char;
    i += char.length;
    used += 1;
  }
  const reset = out.includes('\x1b[') ? '\x1b[0m' : '';
  return `${out}…${reset}`;
}

/** Pads to `width` printed columns (never cuts). */
export function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleWidth(text)));
}

/** `[██████░░░░]` for `percent` in 0..100, `width` cells inside the brackets. */
export function bar(percent: number, width: number): string {
  const clamped = Math.max(0, Math.min(100, Number.isFinite(percent) ? percent : 0));
  const full = Math.round((clamped / 100) * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}]`;
}

/** ` 45%`, `100%`: fixed width 4. */
export function percentText(percent: number): string {
  return `${Math.round(Math.max(0, Math.min(100, percent)))}%`.padStart(4);
}

/** Human duration: `850ms`, `4.2s`, `1m05s`, `2h03m`, `3d04h`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** `HH:MM:SS` in local time. */
export function clock(iso: string | undefined): string {
  if (!iso) return '--:--:--';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '--:--:--';
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

/** `YYYY-MM-DD HH:MM:SS` in local time. */
export function dateTime(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const day = [date.getFullYear(), date.getMonth() + 1, date.getDate()]
    .map((n, i) => String(n).padStart(i === 0 ? 4 : 2, '0'))
    .join('-');
  return `${day} ${clock(iso)}`;
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(header: string[], rows: string[][], style?: (header: string) => string): string[] {
  const widths = header.map((h, i) =>
    Math.max(visibleWidth(h), ...rows.map((row) => visibleWidth(row[i] ?? ''))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : pad(cell, widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const head = line(header);
  return [style ? style(head) : head, ...rows.map(line)];
}

/** Quotes a shell word when it needs it (POSIX single quotes). */
export function shellWord(word: string): string {
  return /^[\w.,:/@%+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
