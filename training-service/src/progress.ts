import cliProgress from 'cli-progress'

/** Progress of one long step: a bar on a terminal, counted lines with an ETA elsewhere (CI, pipes). */
export interface Progress {
  start(total: number | null): void
  tick(n: number): void
  done(): void
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?'
  return s >= 90 ? `${Math.round(s / 60)}m` : `${Math.round(s)}s`
}

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  if (quiet) return { start() {}, tick() {}, done() {} }
  let total: number | null = null
  let count = 0
  let startedAt = 0
  let nextLine = 0
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label.padEnd(10)} {bar} {percentage}% | {value}/{total} | ETA {eta_formatted}`, stream, hideCursor: true },
      cliProgress.Presets.shades_classic,
    )
    return {
      start(t) {
        total = t
        bar.start(t ?? 0, 0)
      },
      tick(n) {
        count += n
        if (total === null) bar.setTotal(count)
        bar.update(count)
      },
      done() {
        bar.stop()
      },
    }
  }
  return {
    start(t) {
      total = t
      startedAt = performance.now()
      nextLine = t ? t / 10 : 250_000
    },
    tick(n) {
      count += n
      if (count < nextLine) return
      const elapsed = (performance.now() - startedAt) / 1000
      const eta = total ? (elapsed / count) * (total - count) : Number.NaN
      stream.write(
        `${label}: ${count.toLocaleString('en-US')}${total ? `/${total.toLocaleString('en-US')}` : ''} rows, ETA ${formatSeconds(eta)}\n`,
      )
      nextLine += total ? total / 10 : 250_000
    },
    done() {
      const elapsed = (performance.now() - startedAt) / 1000
      stream.write(`${label}: ${count.toLocaleString('en-US')} rows in ${elapsed.toFixed(1)}s\n`)
    },
  }
}
