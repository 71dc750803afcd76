import { readFile } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import type { MediaFiles } from './file-store.ts';

export type ThumbnailMethod = 'crop' | 'scale';

export interface ThumbnailRequest {
  width: number;
  height: number;
  method: ThumbnailMethod;
  animated: boolean;
}

/** The original, when it is already no larger than asked, or new bytes. Either way in `contentType`. */
export type Thumbnail = { kind: 'original'; path: string; contentType: string } | { kind: 'image'; bytes: Buffer; contentType: string };

/** The content is not an image this server thumbnails (400 M_UNKNOWN, as the specification's example). */
export class CannotThumbnailError extends Error {
  override name = 'CannotThumbnailError';
}

/** The image is too large to decode safely (413 M_TOO_LARGE). */
export class TooLargeToThumbnailError extends Error {
  override name = 'TooLargeToThumbnailError';
}

/** Content types whose uploads are thumbnailed; anything else is refused before it is decoded. */
export const THUMBNAIL_SOURCE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * Decoding is bounded: an image of more pixels than this (all frames together) is refused,
 * so a small file that claims huge dimensions cannot exhaust memory.
 */
const MAX_PIXELS = 64 * 1024 * 1024;

/**
 * Thumbnails are cached on disk beside their original, but any size may be asked for, so
 * each original keeps at most this many; further sizes are made on each request.
 */
const MAX_CACHED_PER_CONTENT = 16;

/** What is decoded, by the format the bytes really have (never by the type the uploader claimed). */
const DECODABLE = new Set(['jpeg', 'png', 'gif', 'webp']);

interface Source {
  format: string;
  width: number;
  height: number;
  frames: number;
}

/**
 * Makes thumbnails on demand with sharp (libvips). "scale" fits the image inside the asked
 * box keeping its aspect; "crop" fills the box and cuts what overflows; neither ever
 * enlarges. Output: JPEG for JPEG photos, animated WebP when animation is asked for and the
 * source moves, PNG otherwise — all types the specification lets a server serve inline.
 */
export class Thumbnailer {
  private readonly files: MediaFiles;
  private readonly making = new Map<string, Promise<Buffer>>();

  constructor(files: MediaFiles) {
    this.files = files;
  }

  async thumbnail(sha256: string, request: ThumbnailRequest): Promise<Thumbnail> {
    const path = this.files.pathOf(sha256);
    const source = await inspect(path);
    const animated = request.animated && source.frames > 1;
    const format = animated ? 'webp' : source.format === 'jpeg' ? 'jpeg' : 'png';
    const contentType = `image/${format}`;
    const smaller = source.width <= request.width && source.height <= request.height;
    // A still original within the box is the best thumbnail there is; a moving one is
    // answered as one, unless animation was asked for, whose absence the client relies on.
    if (smaller && (source.frames === 1 || animated)) return { kind: 'original', path, contentType: `image/${source.format}` };
    const variant = `${request.width}x${request.height}.${request.method}.${format}`;
    const cached = this.files.derivedPath(sha256, variant);
    const bytes = await readIfPresent(cached);
    if (bytes) return { kind: 'image', bytes, contentType };
    let making = this.making.get(cached);
    if (!making) {
      making = this.make(path, request, animated, format).then(async (made) => {
        if ((await this.files.derivedCount(sha256)) < MAX_CACHED_PER_CONTENT) await this.files.writeDerived(cached, made);
        return made;
      });
      this.making.set(cached, making);
      void making.finally(() => this.making.delete(cached)).catch(() => undefined);
    }
    return { kind: 'image', bytes: await making, contentType };
  }

  private async make(path: string, request: ThumbnailRequest, animated: boolean, format: string): Promise<Buffer> {
    const image = sharp(path, { animated, autoOrient: true, limitInputPixels: MAX_PIXELS }).resize(request.width, request.height, {
      fit: request.method === 'crop' ? 'cover' : 'inside',
      withoutEnlargement: true,
    });
    try {
      if (format === 'webp') return await image.webp({ quality: 80 }).toBuffer();
      if (format === 'jpeg') return await image.jpeg({ quality: 80, mozjpeg: true }).toBuffer();
      return await image.png({ compressionLevel: 9 }).toBuffer();
    } catch (error) {
      throw new CannotThumbnailError(`the image could not be decoded: ${(error as Error).message}`);
    }
  }
}

async function inspect(path: string): Promise<Source> {
  let metadata: Metadata;
  try {
    metadata = await sharp(path, { limitInputPixels: false }).metadata();
  } catch {
    throw new CannotThumbnailError('the content is not an image this server can read');
  }
  const format = String(metadata.format);
  if (!DECODABLE.has(format)) throw new CannotThumbnailError(`thumbnails are made of PNG, JPEG, GIF and WebP images, not ${format}`);
  const frames = metadata.pages ?? 1;
  if (metadata.width * metadata.height * frames > MAX_PIXELS) {
    throw new TooLargeToThumbnailError(`the image has more than ${MAX_PIXELS} pixels, too many to thumbnail`);
  }
  return { format, width: metadata.autoOrient.width, height: metadata.autoOrient.height, frames };
}

function readIfPresent(path: string): Promise<Buffer | undefined> {
  return readFile(path).catch(() => undefined);
}
