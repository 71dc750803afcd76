import Type from 'typebox';
import { AppError, method, query, type TableSpec } from '../../subnet/index.ts';

/**
 * The media repository's metadata: which bytes (by SHA-256) an `mxc://` id names, with the
 * content type and file name they were uploaded with. The bytes themselves stay in the
 * node's media folder; only this record goes through the log. The id is made at ingress
 * from secure randomness, because a guessable id would let anyone enumerate uploads.
 */
export const mediaTables: TableSpec[] = [
  {
    name: 'media',
    columns: {
      media_id: 'text',
      sha256: 'text',
      size: 'integer',
      content_type: 'text',
      filename: 'text?',
      uploader: 'text',
      created_ts: 'integer',
    },
    primaryKey: ['media_id'],
  },
];

export type MediaRow = {
  media_id: string;
  sha256: string;
  size: number;
  content_type: string;
  filename: string | null;
  uploader: string;
  created_ts: number;
};

const MediaId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,255}$' });

export const mediaMethods = {
  create_media: method(
    Type.Object(
      {
        media_id: MediaId,
        sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
        size: Type.Integer({ minimum: 0 }),
        content_type: Type.String({ minLength: 3, maxLength: 255 }),
        filename: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      if (ctx.store.get('media', args.media_id)) throw new AppError('M_CANNOT_OVERWRITE_MEDIA', `media ${args.media_id} already exists`);
      ctx.store.insert('media', {
        media_id: args.media_id,
        sha256: args.sha256,
        size: args.size,
        content_type: args.content_type,
        filename: args.filename ?? null,
        uploader: ctx.caller,
        created_ts: ctx.time,
      });
      return { media_id: args.media_id };
    },
  ),
};

export const mediaQueries = {
  /** Any signed-in user may fetch any media it knows the id of, as the specification has it. */
  media: query(
    Type.Object({ media_id: Type.String({ maxLength: 255 }) }, { additionalProperties: false }),
    (ctx, args): MediaRow | null => ctx.store.get<MediaRow>('media', args.media_id) ?? null,
  ),
};
