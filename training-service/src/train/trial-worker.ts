import { parentPort, workerData } from 'node:worker_threads'
import type { TrialJob, WorkerMessage } from './sweep.ts'
import { trainTrial } from './trainer.ts'

const job = workerData as TrialJob
const post = (m: WorkerMessage) => parentPort!.postMessage(m)
try {
  const result = await trainTrial(job.config, job.shape, job.train, job.validate, (epoch) =>
    post({ type: 'epoch', index: job.index, epoch }),
  )
  post({ type: 'done', result })
} catch (e) {
  post({ type: 'error', message: (e as Error).message })
}
