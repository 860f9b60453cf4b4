import { invalidArgument } from '../errors.ts'

// Same alphabet MLflow allows for param, metric and tag keys: safe in URLs and file paths.
const KEY_PATTERN = /^[A-Za-z0-9_.\-/ ]{1,250}$/

export function checkKey(field: string, key: string): string {
  if (!KEY_PATTERN.test(key) || key.includes('..')) {
    throw invalidArgument(field, `"${key}" is not a valid key (1-250 letters, digits, _ . - / or space, no "..")`)
  }
  return key
}

export function checkName(field: string, name: string): string {
  const trimmed = name.trim()
  if (trimmed.length === 0 || trimmed.length > 200) throw invalidArgument(field, 'must be 1-200 characters')
  return trimmed
}

export function checkFinite(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidArgument(field, `must be a finite number, got ${value}`)
  return value
}

export function checkNonNegativeInt(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw invalidArgument(field, `must be a non-negative integer, got ${value}`)
  return value
}
