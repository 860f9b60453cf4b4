import { pipeline } from './runner.ts'
import type { TrainSettings } from './settings.ts'
import { baselineStep } from './steps/baseline.ts'
import { evaluateStep } from './steps/evaluate.ts'
import { exportStep } from './steps/export.ts'
import { featurizeStep } from './steps/featurize.ts'
import { ingestStep } from './steps/ingest.ts'
import { type RegisterTarget, registerStep } from './steps/register.ts'
import { type TrainHooks, trainStep } from './steps/train.ts'
import { verifyStep } from './steps/verify.ts'

/**
 * The training DAG, in dependency order: ingest → (baseline ‖ featurize) → train → evaluate → export →
 * verify → register. Each step gets exactly its dependencies' outputs; docs/training.md draws this list.
 */
export function trainPipeline(s: TrainSettings, hooks: TrainHooks, registry: RegisterTarget) {
  return pipeline()
    .add(ingestStep(s))
    .add(baselineStep())
    .add(featurizeStep(s))
    .add(trainStep(s, hooks))
    .add(evaluateStep())
    .add(exportStep())
    .add(verifyStep())
    .add(registerStep(registry))
}
