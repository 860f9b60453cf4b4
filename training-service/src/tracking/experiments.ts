import { asc, eq } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import { type Experiment, experiments } from '../db/schema.ts'
import { writeTransaction } from '../db/transaction.ts'
import { TarmacError } from '../registry/errors.ts'
import { checkName } from './validate.ts'

export function createExperiment(db: Db, name: string): Experiment {
  const checked = checkName('experiment', name)
  return writeTransaction(db, (tx) => {
    if (findExperiment(tx, checked)) throw new TarmacError('conflict', `experiment "${checked}" already exists`)
    return tx.insert(experiments).values({ name: checked, createdAt: new Date() }).returning().get()
  })
}

export function getOrCreateExperiment(db: Db, name: string): Experiment {
  const checked = checkName('experiment', name)
  return writeTransaction(
    db,
    (tx) => findExperiment(tx, checked) ?? tx.insert(experiments).values({ name: checked, createdAt: new Date() }).returning().get(),
  )
}

export function getExperiment(db: Db, name: string): Experiment {
  const experiment = findExperiment(db, name)
  if (!experiment) throw new TarmacError('not_found', `unknown experiment "${name}"`)
  return experiment
}

export function listExperiments(db: Db): Experiment[] {
  return db.select().from(experiments).orderBy(asc(experiments.name)).all()
}

function findExperiment(db: Db, name: string): Experiment | undefined {
  return db.select().from(experiments).where(eq(experiments.name, name)).get()
}
