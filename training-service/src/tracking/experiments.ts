import { asc, eq } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import type { Experiment } from '../db/schema.ts'
import { writeTransaction } from '../db/transaction.ts'
import { TarmacError } from '../errors.ts'
import { checkName } from './validate.ts'

export async function createExperiment(db: Db, name: string): Promise<Experiment> {
  const checked = checkName('experiment', name)
  return writeTransaction(db, async (tx) => {
    if (await findExperiment(tx, checked)) throw new TarmacError('conflict', `experiment "${checked}" already exists`)
    const [created] = await tx.insert(tx.t.experiments).values({ name: checked, createdAt: new Date() }).returning()
    return created
  })
}

/** Race-free on both dialects: a concurrent creator's row wins the unique name and this call reads it back. */
export async function getOrCreateExperiment(db: Db, name: string): Promise<Experiment> {
  const checked = checkName('experiment', name)
  return writeTransaction(db, async (tx) => {
    const existing = await findExperiment(tx, checked)
    if (existing) return existing
    await tx.insert(tx.t.experiments).values({ name: checked, createdAt: new Date() }).onConflictDoNothing()
    return (await findExperiment(tx, checked))!
  })
}

export async function getExperiment(db: Db, name: string): Promise<Experiment> {
  const experiment = await findExperiment(db, name)
  if (!experiment) throw new TarmacError('not_found', `unknown experiment "${name}"`)
  return experiment
}

export async function listExperiments(db: Db): Promise<Experiment[]> {
  const { experiments } = db.t
  return db.select().from(experiments).orderBy(asc(experiments.name))
}

async function findExperiment(db: Db, name: string): Promise<Experiment | undefined> {
  const { experiments } = db.t
  const [row] = await db.select().from(experiments).where(eq(experiments.name, name)).limit(1)
  return row
}
