import { type LoadedDataset, loadDataset, sha256File } from '../../data/dataset.ts'
import { createProgress } from '../../progress.ts'
import type { NoInputs, Step } from '../runner.ts'
import type { TrainSettings } from '../settings.ts'

export type Ingested = Pick<LoadedDataset, 'dataVersion' | 'sourceSha256' | 'counts' | 'quarantineFile'> & {
  train: LoadedDataset['splits']['train']
  validate: LoadedDataset['splits']['validate']
  report: LoadedDataset['splits']['report']
}

/** Reads and validates the source file and cuts the train, selection and report windows. */
export function ingestStep(s: Pick<TrainSettings, 'dataFile' | 'windows'>): Step<'ingest', NoInputs, Ingested> {
  return {
    name: 'ingest',
    // 2: the report slice
    version: 2,
    needs: {},
    params: { windows: s.windows },
    cache: true,
    fingerprint: () => sha256File(s.dataFile),
    async run(_inputs, log) {
      const ds = await loadDataset(s.dataFile, { windows: s.windows, progress: createProgress('  ingest') })
      log(`${ds.counts.valid.toLocaleString('en-US')} valid rows, ${ds.counts.quarantined} quarantined, data version ${ds.dataVersion}`)
      const { dataVersion, sourceSha256, counts, quarantineFile } = ds
      return {
        dataVersion,
        sourceSha256,
        counts,
        quarantineFile,
        train: ds.splits.train,
        validate: ds.splits.validate,
        report: ds.splits.report,
      }
    },
  }
}
