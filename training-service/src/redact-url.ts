/** The URL with its password replaced by `***`, safe for messages and logs (database and Redis URLs alike). */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value)
    if (url.password !== '') url.password = '***'
    if (url.searchParams.has('password')) url.searchParams.set('password', '***')
    return url.toString()
  } catch {
    // unparseable: drop anything between "//" and "@", where a password would sit
    return value.replace(/\/\/[^@/]*@/, '//***@')
  }
}
