import { readFile } from 'node:fs/promises'
import { DEFAULT_WINDOWS, type Windows, windowsSchema } from '../data/windows.ts'
import { UserInputError } from '../errors.ts'

/** Parses a JSON file against a zod schema, reporting the first bad field as one line. */
export async function readJsonFile<T>(
  file: string,
  schema: {
    safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } }
  },
): Promise<T> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new UserInputError(`${file}: no such file`)
  })
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    throw new UserInputError(`${file}: not valid JSON (${(e as Error).message})`)
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new UserInputError(`${file}: ${issue.path.map(String).join('.') || '(root)'} ${issue.message}`)
  }
  return parsed.data
}

export async function readWindowsOption(file: string | undefined): Promise<Windows> {
  return file ? readJsonFile(file, windowsSchema) : DEFAULT_WINDOWS
}
