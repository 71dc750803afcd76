/** The media repository's files: content-addressed bytes on this node's disk, thumbnails and the headers they are served with. */
export { contentDisposition, essenceOf, SECURITY_HEADERS, uploadedContentType } from './content-headers.ts';
export { ContentMismatchError, MediaFiles, type StoredFile, UploadTooLargeError } from './file-store.ts';
export { fetchFromPeers, peerOf } from './from-peers.ts';
export {
  CannotThumbnailError,
  THUMBNAIL_SOURCE_TYPES,
  type Thumbnail,
  Thumbnailer,
  type ThumbnailMethod,
  type ThumbnailRequest,
  TooLargeToThumbnailError,
} from './thumbnailer.ts';

/** The specification's example limit, and what a phone photo or short video needs. */
export const DEFAULT_MAX_UPLOAD_SIZE = 100 * 1024 * 1024;
