// Fails CI when the Worker bundle grows past its budget. Usage: tsx infra/bundle-budget.ts <dry-run outdir> [--budgets file]
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'

export interface Budgets {
  /** patterns (`*` = any characters but `/`) of files wrangler writes but does not upload */
  ignore: string[]
  /** gzip bytes allowed per file pattern; the first matching pattern applies */
  files: Record<string, number>
  /** gzip bytes allowed for every budgeted file together */
  total: number
}

export interface FileSize {
  file: string
  gzipBytes: number
  budget: number | undefined
}

const glob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')}$`,
  )

export function measure(dir: string, budgets: Budgets): { sizes: FileSize[]; problems: string[] } {
  const ignored = budgets.ignore.map(glob)
  const patterns = Object.entries(budgets.files).map(([pattern, bytes]) => ({ re: glob(pattern), bytes }))
  const files = (readdirSync(dir, { recursive: true }) as string[])
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => statSync(path.join(dir, f)).isFile() && !ignored.some((re) => re.test(f)))
    .sort()
  const sizes = files.map((file) => ({
    file,
    // level 9 is what an upload compressor reaches at best; the budget should not depend on a default
    gzipBytes: gzipSync(readFileSync(path.join(dir, file)), { level: 9 }).length,
    budget: patterns.find((p) => p.re.test(file))?.bytes,
  }))
  const problems: string[] = []
  if (!sizes.length) problems.push(`bundle budget: ${dir} holds no files to measure (did the dry run write there?)`)
  for (const s of sizes) {
    // an unbudgeted file is a failure: a new asset must get a budget of its own rather than slip in
    if (s.budget === undefined) problems.push(`bundle budget: ${s.file} (${s.gzipBytes} B gzip) matches no budget in the budgets file`)
    else if (s.gzipBytes > s.budget) problems.push(`bundle budget: ${s.file} is ${s.gzipBytes} B gzip, over its ${s.budget} B budget`)
  }
  const total = sizes.reduce((sum, s) => sum + s.gzipBytes, 0)
  if (total > budgets.total) problems.push(`bundle budget: total ${total} B gzip is over the ${budgets.total} B budget`)
  return { sizes, problems }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { budgets: { type: 'string', default: path.join(path.dirname(fileURLToPath(import.meta.url)), 'bundle-budgets.json') } },
  })
  if (positionals.length !== 1) {
    process.stderr.write('usage: tsx infra/bundle-budget.ts <wrangler --outdir folder> [--budgets file]\n')
    process.exit(2)
  }
  const { sizes, problems } = measure(positionals[0], JSON.parse(readFileSync(values.budgets, 'utf8')) as Budgets)
  for (const s of sizes) process.stdout.write(`${s.file}: ${s.gzipBytes} B gzip (budget ${s.budget ?? 'none'})\n`)
  for (const p of problems) process.stderr.write(`${p}\n`)
  process.exit(problems.length ? 1 : 0)
}
