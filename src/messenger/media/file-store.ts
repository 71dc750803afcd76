import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export class UploadTooLargeError extends Error {
  override name = 'UploadTooLargeError';
}

/** Bytes fetched for a content hash hash to something else. */
export class ContentMismatchError extends Error {
  override name = 'ContentMismatchError';
}

export interface StoredFile {
  sha256: string;
  size: number;
}

/** Folders are the node's own: readable by its group for backups, writable by no one else. */
const FOLDER_MODE = 0o750;
const FILE_MODE = 0o640;
const SHA256 = /^[0-9a-f]{64}$/;

/**
 * The bytes of uploaded media, content-addressed: `media/<first two hex digits>/<sha256>`,
 * so the same bytes uploaded twice are kept once. A file reaches its name only whole and
 * fsync'd (written under `media/tmp`, then renamed), so a name on disk always means complete
 * content, even after a crash.
 */
export class MediaFiles {
  readonly root: string;
  private readonly tmp: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'media');
    this.tmp = join(this.root, 'tmp');
  }

  /** Removes what uploads interrupted by a crash left behind. Folders are made by the first upload. */
  prepare(): void {
    if (!existsSync(this.tmp)) return;
    for (const name of readdirSync(this.tmp)) rmSync(join(this.tmp, name), { force: true });
  }

  private async tempFile(): Promise<string> {
    await mkdir(this.tmp, { recursive: true, mode: FOLDER_MODE });
    return join(this.tmp, randomBytes(12).toString('hex'));
  }

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a SHA-256 digest: ${sha256}`);
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  /** Where a derived file (a thumbnail) of the content `sha256` is cached, beside it. */
  derivedPath(sha256: string, variant: string): string {
    if (!/^[a-z0-9.-]+$/.test(variant)) throw new Error(`not a variant name: ${variant}`);
    return `${this.pathOf(sha256)}.${variant}`;
  }

  /** How many derived files the content `sha256` has. */
  async derivedCount(sha256: string): Promise<number> {
    const names = await readdir(join(this.root, sha256.slice(0, 2))).catch(() => []);
    return names.filter((name) => name.startsWith(`${sha256}.`)).length;
  }

  async has(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(
      (info) => info.isFile(),
      () => false,
    );
  }

  /**
   * Streams `body` to disk while hashing it and answers its digest once it is durable.
   * Past `limit` bytes it stops reading and throws UploadTooLargeError, leaving nothing behind;
   * with `expected`, bytes of another digest are refused (ContentMismatchError), leaving nothing.
   */
  async store(body: AsyncIterable<Uint8Array>, limit: number, expected?: string): Promise<StoredFile> {
    const temp = await this.tempFile();
    const handle = await open(temp, 'wx', FILE_MODE);
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of body) {
        size += chunk.byteLength;
        if (size > limit) throw new UploadTooLargeError(`uploads are limited to ${limit} bytes`);
        hash.update(chunk);
        await handle.write(chunk);
      }
      await handle.sync();
    } catch (error) {
      await handle.close();
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await handle.close();
    const sha256 = hash.digest('hex');
    if (expected !== undefined && sha256 !== expected) {
      await unlink(temp).catch(() => undefined);
      throw new ContentMismatchError(`the bytes hash to ${sha256}, not the expected ${expected}`);
    }
    await this.place(temp, this.pathOf(sha256));
    return { sha256, size };
  }

  /** Moves a complete temp file to `target` (or drops it when identical bytes are there already). */
  async place(temp: string, target: string): Promise<void> {
    const folder = dirname(target);
    await mkdir(folder, { recursive: true, mode: FOLDER_MODE });
    const present = await stat(target).then(
      () => true,
      () => false,
    );
    if (present) {
      await unlink(temp);
      return;
    }
    await rename(temp, target);
    // The rename is durable only once the folder that now names the file is.
    const directory = await open(folder, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }

  /** Writes derived bytes (a thumbnail) through a temp file, so a reader never sees half of it. */
  async writeDerived(target: string, bytes: Uint8Array): Promise<void> {
    const temp = await this.tempFile();
    const handle = await open(temp, 'wx', FILE_MODE);
    try {
      await handle.write(bytes);
    } catch (error) {
      await handle.close();
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await handle.close();
    await this.place(temp, target);
  }
}
