/** Writes the document the Worker serves at /openapi.json to a file (argv[2]), for linters. */
import { writeFileSync } from 'node:fs'
import { createApp } from '../src/app.ts'

const res = await createApp().request('http://127.0.0.1:8787/openapi.json')
if (!res.ok) throw new Error(`/openapi.json answered ${res.status}: ${await res.text()}`)
writeFileSync(process.argv[2], await res.text())
