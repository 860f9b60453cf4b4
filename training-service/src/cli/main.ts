import { Command, CommanderError } from 'commander'
import { registerBenchCommand } from './bench.ts'
import { registerDashboardCommand } from './dashboard.ts'
import { registerDataCommands } from './data.ts'
import { registerDbCommands } from './db.ts'
import { registerDocsCommand } from './docs.ts'
import { registerDoctorCommand } from './doctor.ts'
import { registerDriftCommand } from './drift.ts'
import { registerLoopCommands } from './loop.ts'
import { registerModelsCommand } from './models.ts'
import { registerPredictCommand } from './predict.ts'
import { registerPublishCommands } from './publish.ts'
import { registerReplayCommand } from './replay.ts'
import { registerReportCommand } from './report.ts'
import { registerRunsCommand } from './runs.ts'
import { registerServeCommand } from './serve.ts'
import { registerStartCommand } from './start.ts'
import { registerTrainCommand } from './train.ts'
import { registerWorkerCommand } from './worker.ts'

const program = new Command('tarmac')
  .description('Train, track, version, export and monitor small models for the edge and the browser')
  .version('0.1.0')
  // a usage mistake (unknown option, missing argument) is one line, like every other user error
  .configureOutput({ outputError: (text, write) => write(`tarmac: ${text.replace(/^error: /, '').trimEnd()} (see --help)\n`) })
  .exitOverride()

registerDataCommands(program)
registerTrainCommand(program)
registerWorkerCommand(program)
registerDashboardCommand(program)
registerBenchCommand(program)
registerStartCommand(program)
registerPublishCommands(program)
registerRunsCommand(program)
registerReportCommand(program)
registerModelsCommand(program)
registerPredictCommand(program)
registerDriftCommand(program)
registerReplayCommand(program)
registerLoopCommands(program)
registerServeCommand(program)
registerDoctorCommand(program)
registerDbCommands(program)
registerDocsCommand(program)

/** Mistakes the user can fix print one line and exit 2; anything else is a bug and says so. */
function exitOn(error: unknown): never {
  // --help and --version exit 0; a usage mistake is the user's, exit 2 (commander has already printed its line)
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2)
  // a step that failed on the user's input is the user's mistake, reported as such
  const cause = error instanceof Error && error.name === 'StepFailedError' ? error.cause : undefined
  const name =
    cause instanceof Error && ['UserInputError', 'TarmacError'].includes(cause.name) ? cause.name : error instanceof Error ? error.name : ''
  // a user's mistake or a registry refusal (exit 2), a failed pipeline step (exit 1): each explained in one line
  const userError = name === 'UserInputError' || name === 'TarmacError'
  const known = userError || name === 'StepFailedError'
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`tarmac: ${known ? '' : 'internal error: '}${message}\n`)
  if (process.env.TARMAC_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`)
  process.exit(userError ? 2 : 1)
}

try {
  await program.parseAsync(process.argv)
} catch (error) {
  exitOn(error)
}
