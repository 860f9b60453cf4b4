import { availableParallelism } from 'node:os'
import path from 'node:path'
import type { Command } from 'commander'
import { checkRedisUrl } from '../distributed/redis.ts'
import { startTrialWorker } from '../distributed/worker.ts'
import { homeDir } from '../home.ts'
import { LocalArtifactStore } from '../tracking/artifact-store.ts'
import { positiveInt } from './format-command.ts'

interface WorkerFlags {
  redis?: string
  artifacts?: string
  concurrency?: string
  lockDuration: string
  home?: string
}

/** The shared artifact directory: `--artifacts`, else the state folder's own (one machine, or a shared home). */
export function artifactsDir(flags: { artifacts?: string; home?: string }): string {
  return path.resolve(flags.artifacts ?? path.join(homeDir(flags.home), 'artifacts'))
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('train sweep trials taken from Redis (BullMQ); start one per machine, all reading the same --artifacts')
    .option('--redis <url>', 'Redis URL, e.g. redis://10.0.0.5:6379 (keep Redis on a private network)')
    .option('--artifacts <dir>', 'shared artifact directory the orchestrator writes to (default: <home>/artifacts)')
    .option('--concurrency <n>', 'trials at once, one worker thread each (default: number of cores)')
    .option('--lock-duration <ms>', 'a trial whose worker is silent this long is handed to another worker', '10000')
    .option('--home <dir>', 'state folder (default: $TARMAC_HOME or ./.tarmac)')
    .action(async (flags: WorkerFlags) => {
      const redisUrl = checkRedisUrl(flags.redis)
      const concurrency = flags.concurrency ? positiveInt('--concurrency')(flags.concurrency) : undefined
      const lockDurationMs = positiveInt('--lock-duration')(flags.lockDuration)
      const log = (line: string) => process.stderr.write(`${line}\n`)
      const worker = await startTrialWorker({
        redisUrl,
        store: new LocalArtifactStore(artifactsDir(flags)),
        concurrency: concurrency ?? availableParallelism(),
        lockDurationMs,
        log,
      })
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'))
        process.once('SIGINT', () => resolve('SIGINT'))
      })
      log(`${signal}: finishing running trials (send it again to stop now)`)
      process.once(signal, () => process.exit(130))
      await worker.close()
      process.exit(0)
    })
}
