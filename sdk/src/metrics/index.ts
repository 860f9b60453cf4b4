export { type CalibrationBin, calibrationBin, calibrationBins, calibrationNoiseFloor, expectedCalibrationError } from './calibration.ts'
export {
  accuracyAt,
  auc,
  bestF1Threshold,
  brier,
  type Confusion,
  confusionAt,
  type F1Point,
  logLoss,
  scoresByLabel,
} from './classification.ts'
export { aucFromHistograms, type EstimatedPerformance, estimatedPerformance } from './estimated.ts'
