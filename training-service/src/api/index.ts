export { type ApiOptions, createApi } from './app.ts'
export { type ApiServer, type ApiServerOptions, startApiServer } from './serve.ts'
