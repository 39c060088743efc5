/**
 * `xlink/platform/node`: the platform pieces that need node:fs.
 *
 *   import { FileKeyValueStorage } from 'xlink/platform/node';
 */
export { syncDirectory, writeFileDurably } from './durable-file.js';
export { FileKeyValueStorage, type FileKeyValueStorageOptions } from './file-storage.js';
