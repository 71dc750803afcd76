import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { MediaFiles, UploadTooLargeError } from '../../messenger/index.ts';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { askBuilder, runBuilder } from './calls.ts';

const AppParams = Type.Object({ app: Type.String({ pattern: '^[a-z][a-z0-9-]{1,39}$' }) });
const FileParams = Type.Object({
  app: AppParams.properties.app,
  entity: Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }),
  id: Type.String({ pattern: '^[1-9][0-9]{0,15}$' }),
  field: Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }),
});

/** Largest file a generated app takes. */
const MAX_FILE_BYTES = 20 * 1024 * 1024;

/**
 * Files of generated apps: bytes in the node's content-addressed media store, the app's
 * record holding their SHA-256. Uploading needs a role that may create or update records;
 * a file is served only through a record the caller may read — never by its hash alone.
 */
export function registerBuilderFiles(server: FastifyInstance, node: NodeContext, who: (request: FastifyRequest) => string): void {
  const files = new MediaFiles(node.subnet.dataDir);
  files.prepare();
  server.register(async (uploads) => {
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    uploads.post('/_watan/v1/apps/:app/files', { schema: { params: AppParams }, bodyLimit: MAX_FILE_BYTES }, async (request) => {
      const caller = who(request);
      const { app } = request.params as Static<typeof AppParams>;
      let stored: { sha256: string; size: number };
      try {
        stored = await files.store(request.body as AsyncIterable<Uint8Array>, MAX_FILE_BYTES);
      } catch (error) {
        if (error instanceof UploadTooLargeError) throw new ApiError(413, 'TOO_LARGE', error.message);
        throw error;
      }
      const contentType = (request.headers['content-type'] ?? 'application/octet-stream').slice(0, 255);
      await runBuilder(node.subnet, 'file_register', { app, hash: stored.sha256, size: stored.size, content_type: contentType }, caller);
      return { hash: stored.sha256, size: stored.size };
    });
  });
  server.get('/_watan/v1/apps/:app/records/:entity/:id/files/:field', { schema: { params: FileParams } }, async (request, reply) => {
    const { field, ...record } = request.params as Static<typeof FileParams>;
    const shown = askBuilder(node.subnet, 'record_get', { ...record }, who(request));
    const hash = shown.fields[field];
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash))
      throw new ApiError(404, 'NOT_FOUND', `this ${record.entity} has no file in ${field}`);
    if (!(await files.has(hash))) throw new ApiError(404, 'NOT_FOUND', 'this file is not on this node');
    reply.header('content-type', 'application/octet-stream');
    reply.header('content-disposition', 'attachment');
    reply.header('x-content-type-options', 'nosniff');
    return reply.send(createReadStream(files.pathOf(hash)));
  });
}
