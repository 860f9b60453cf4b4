/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_TARMAC_ENDPOINT?: string
  readonly VITE_TARMAC_MODEL_ENDPOINT?: string
  readonly VITE_TARMAC_MODEL?: string
  readonly VITE_TARMAC_API_KEY?: string
  readonly VITE_TARMAC_SAMPLE_RATE?: string
}
