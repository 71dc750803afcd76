import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import type { MediaRow } from '../app/media.ts';
import {
  CannotThumbnailError,
  contentDisposition,
  essenceOf,
  fetchFromPeers,
  MediaFiles,
  peerOf,
  SECURITY_HEADERS,
  THUMBNAIL_SOURCE_TYPES,
  Thumbnailer,
  TooLargeToThumbnailError,
  UploadTooLargeError,
  uploadedContentType,
} from '../media/index.ts';
import { authenticate, requireToken } from './authenticate.ts';
import { runCommand, runQuery } from './commands.ts';
import { clientV1Route } from './matrix-routes.ts';
import { limitSends, type RateLimits } from './rate-limits.ts';

export interface MediaOptions {
  /** Largest upload accepted, in bytes. */
  maxUploadSize: number;
  limits: RateLimits;
}

const UploadQuery = Type.Object({ filename: Type.Optional(Type.String({ maxLength: 255 })) });
const MediaParams = Type.Object({
  serverName: Type.String({ maxLength: 255 }),
  mediaId: Type.String({ maxLength: 255 }),
  fileName: Type.Optional(Type.String({ maxLength: 255 })),
});
const ThumbnailQuery = Type.Object({
  width: Type.Integer({ minimum: 1, maximum: 10_000 }),
  height: Type.Integer({ minimum: 1, maximum: 10_000 }),
  method: Type.Optional(Type.Union([Type.Literal('crop'), Type.Literal('scale')])),
  animated: Type.Optional(Type.Boolean()),
  timeout_ms: Type.Optional(Type.Integer({ minimum: 0 })),
});

/** 144 random bits, 24 characters of the alphabet the specification allows in a media id. */
const newMediaId = () => randomBytes(18).toString('base64url');

/**
 * The content repository: uploads under /_matrix/media/v3 (where the specification still
 * keeps them) and authenticated downloads, thumbnails and configuration under
 * /_matrix/client/v1/media. The unauthenticated download and thumbnail endpoints are frozen
 * (Matrix 1.11): every upload here postdates the freeze, so they answer 404 for all media.
 */
export function registerMedia(server: FastifyInstance, node: NodeContext, options: MediaOptions): void {
  const files = new MediaFiles(node.subnet.dataDir);
  files.prepare();
  const thumbnails = new Thumbnailer(files);

  // Raw bodies of any type are accepted only here, so every other endpoint still refuses non-JSON.
  server.register(async (uploads) => {
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    uploads.setErrorHandler((error: FastifyError, request, reply) => {
      // A refused upload's remaining body is not read: the connection closes after the answer.
      if (!request.raw.readableEnded) reply.header('connection', 'close');
      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
        throw new ApiError(400, 'M_INVALID_PARAM', 'the Content-Type header is not a media type');
      throw error;
    });
    for (const prefix of ['/_matrix/media/v3', '/_matrix/media/r0']) {
      uploads.route({
        method: 'POST',
        url: `${prefix}/upload`,
        schema: { querystring: UploadQuery },
        bodyLimit: options.maxUploadSize,
        // Refused before a byte of the body is read.
        onRequest: requireToken,
        config: limitSends(options.limits),
        handler: async (request) => {
          const session = authenticate(request, node.subnet);
          const contentType = uploadedContentType(request.headers['content-type']);
          if (contentType === undefined) throw new ApiError(400, 'M_INVALID_PARAM', 'the Content-Type header is not a media type');
          const { filename } = request.query as Static<typeof UploadQuery>;
          const stored = await receive(request, files, options.maxUploadSize);
          const mediaId = newMediaId();
          await runCommand(
            node.subnet,
            'create_media',
            { media_id: mediaId, sha256: stored.sha256, size: stored.size, content_type: contentType, ...(filename ? { filename } : {}) },
            session.userId,
          );
          return { content_uri: `mxc://${node.serverName}/${mediaId}` };
        },
      });
    }
  });

  const config = async (request: FastifyRequest) => {
    authenticate(request, node.subnet);
    return { 'm.upload.size': options.maxUploadSize };
  };
  clientV1Route(server, 'GET', '/media/config', {}, config);
  server.get('/_matrix/media/v3/config', { onRequest: requireToken }, config);

  const find = (request: FastifyRequest): MediaRow => {
    const session = authenticate(request, node.subnet);
    const { serverName, mediaId } = request.params as Static<typeof MediaParams>;
    const unknown = new ApiError(404, 'M_NOT_FOUND', `there is no media mxc://${serverName}/${mediaId} on this server`);
    // Media of other servers would come over federation, which this server does not speak.
    if (serverName !== node.serverName) throw unknown;
    const row = runQuery<MediaRow | null>(node.subnet, 'media', { media_id: mediaId }, session.userId);
    if (!row) throw unknown;
    return row;
  };
  const bytesOf = async (row: MediaRow): Promise<string> => {
    if (!(await files.has(row.sha256)) && !(await fetchFromPeers(node, files, row.sha256, row.size))) {
      throw new ApiError(404, 'M_NOT_FOUND', `the bytes of ${row.media_id} are not on this replica, and no peer served them`);
    }
    return files.pathOf(row.sha256);
  };

  // Another replica of this subnet fetching bytes it lacks (fetchFromPeers); not for clients.
  server.get<{ Params: { sha256: string } }>('/_watan/v1/media/:sha256', async (request, reply) => {
    const peer = peerOf(node, request.headers);
    if ('problem' in peer) throw new ApiError(403, 'M_FORBIDDEN', peer.problem);
    const { sha256 } = request.params;
    if (!/^[0-9a-f]{64}$/.test(sha256) || !(await files.has(sha256))) throw new ApiError(404, 'M_NOT_FOUND', 'no such content here');
    return reply.type('application/octet-stream').send(createReadStream(files.pathOf(sha256)));
  });

  const download = async (request: FastifyRequest, reply: FastifyReply) => {
    const row = find(request);
    const path = await bytesOf(row);
    const { fileName } = request.params as Static<typeof MediaParams>;
    reply.headers({
      ...SECURITY_HEADERS,
      'content-type': row.content_type,
      'content-disposition': contentDisposition(row.content_type, fileName ?? row.filename ?? undefined),
      'content-length': row.size,
    });
    return reply.send(createReadStream(path));
  };
  for (const path of ['/:serverName/:mediaId', '/:serverName/:mediaId/:fileName']) {
    clientV1Route(server, 'GET', `/media/download${path}`, { params: MediaParams }, download);
  }

  clientV1Route(
    server,
    'GET',
    '/media/thumbnail/:serverName/:mediaId',
    { params: MediaParams, querystring: ThumbnailQuery },
    async (request, reply) => {
      const row = find(request);
      if (!THUMBNAIL_SOURCE_TYPES.has(essenceOf(row.content_type))) {
        throw new ApiError(400, 'M_UNKNOWN', `cannot generate thumbnails for ${essenceOf(row.content_type)} content`);
      }
      await bytesOf(row);
      const query = request.query as Static<typeof ThumbnailQuery>;
      const thumbnail = await thumbnails
        .thumbnail(row.sha256, {
          width: query.width,
          height: query.height,
          method: query.method ?? 'scale',
          animated: query.animated === true,
        })
        .catch((error: Error) => {
          if (error instanceof CannotThumbnailError) throw new ApiError(400, 'M_UNKNOWN', `cannot generate a thumbnail: ${error.message}`);
          if (error instanceof TooLargeToThumbnailError) throw new ApiError(413, 'M_TOO_LARGE', error.message);
          throw error;
        });
      reply.headers({
        ...SECURITY_HEADERS,
        'content-type': thumbnail.contentType,
        'content-disposition': `inline; filename="thumbnail.${thumbnail.contentType.slice('image/'.length)}"`,
      });
      return reply.send(thumbnail.kind === 'original' ? createReadStream(thumbnail.path) : thumbnail.bytes);
    },
  );

  const frozen = async () => {
    throw new ApiError(
      404,
      'M_NOT_FOUND',
      'unauthenticated media access is frozen (Matrix 1.11); use /_matrix/client/v1/media/... with an access token',
    );
  };
  for (const path of ['/download/:serverName/:mediaId', '/download/:serverName/:mediaId/:fileName', '/thumbnail/:serverName/:mediaId']) {
    server.get(`/_matrix/media/v3${path}`, { onRequest: requireToken }, frozen);
    server.get(`/_matrix/media/r0${path}`, { onRequest: requireToken }, frozen);
  }
}

/**
 * Streams the request body into the file store. A declared length over the limit is refused
 * before a byte is read; an undeclared one when the limit is crossed.
 */
async function receive(request: FastifyRequest, files: MediaFiles, limit: number) {
  const tooLarge = () => new ApiError(413, 'M_TOO_LARGE', `uploads are limited to ${limit} bytes`);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const body = (request.body as Readable | undefined) ?? Readable.from([]);
  try {
    return await files.store(body, limit);
  } catch (error) {
    if (error instanceof UploadTooLargeError) throw tooLarge();
    throw error;
  }
}
